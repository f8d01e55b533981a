//! Stopping a port's holder: SIGTERM, a grace period, then SIGKILL; another user's process only
//! when we are root. Signals are sent with the system's `kill` command (no new dependency).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// How a stop went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Exited after SIGTERM within the grace period.
    Term,
    /// Needed SIGKILL.
    Killed,
    /// Still there after SIGKILL.
    Survived,
}

/// Our real uid (from /proc/self/status).
pub fn my_uid() -> Option<u32> {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| super::procnet::parse_status_uid(&s))
}

/// Whether we may stop a process of `owner`: our own, or anyone's when we are root.
pub fn may_stop(owner: Option<u32>, me: Option<u32>) -> Result<(), String> {
    match (owner, me) {
        (_, Some(0)) => Ok(()),
        (Some(o), Some(m)) if o == m => Ok(()),
        (Some(o), _) => Err(format!(
            "it belongs to another user (uid {o}): stop it as that user or as root"
        )),
        (None, _) => Err("its owner is not visible to us: run as root".into()),
    }
}

fn alive(pid: u32) -> bool {
    // A zombie (exited, not yet reaped by its parent) no longer holds sockets.
    std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("stat"))
        .map(|s| {
            s.rfind(')')
                .and_then(|i| s[i + 1..].split_whitespace().next())
                .is_some_and(|state| state != "Z" && state != "X")
        })
        .unwrap_or(false)
}

fn signal(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .args([sig, &pid.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

fn wait_gone(pids: &[u32], until: Instant) -> bool {
    loop {
        if pids.iter().all(|&p| !alive(p)) {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SIGTERM every pid, wait up to `grace`, then SIGKILL the survivors and wait a moment.
pub fn stop(pids: &[u32], grace: Duration) -> Stopped {
    for &p in pids {
        signal(p, "-TERM");
    }
    if wait_gone(pids, Instant::now() + grace) {
        return Stopped::Term;
    }
    for &p in pids.iter().filter(|&&p| alive(p)) {
        signal(p, "-KILL");
    }
    if wait_gone(pids, Instant::now() + Duration::from_secs(2)) {
        Stopped::Killed
    } else {
        Stopped::Survived
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_own_processes_unless_root() {
        assert!(may_stop(Some(1000), Some(1000)).is_ok());
        assert!(may_stop(Some(65534), Some(0)).is_ok());
        assert!(may_stop(Some(65534), Some(1000)).is_err());
        assert!(may_stop(None, Some(1000)).is_err());
    }

    #[test]
    fn stops_a_child() {
        let mut child = Command::new("sleep").arg("30").spawn().expect("sleep");
        let pid = child.id();
        // Reap in the background so the exited child does not linger as a zombie.
        let reaper = std::thread::spawn(move || child.wait());
        assert_eq!(stop(&[pid], Duration::from_secs(3)), Stopped::Term);
        let _ = reaper.join();
    }
}
