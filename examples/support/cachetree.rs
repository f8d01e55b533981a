//! Cache-shaped trees for the benchmarks (not an example itself: `examples/support/` has no
//! `main.rs`, so cargo does not build it alone; bench_cache and bench_check include it).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use godoctor::output::println;

pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// A cache-shaped tree with `n` regular files: modules with 4 versions each, every version an
/// extracted tree of packages (20 files a directory) plus its download files, one hard-linked
/// LICENSE per version and a symbolic link per module. Files are empty except `.mod`, `.info`,
/// LICENSE and `list`, so the whole tree costs little disk.
pub fn ensure_tree(root: &Path, n: u64) -> Res<()> {
    let marker = root.with_extension("complete");
    if marker.exists() {
        return Ok(());
    }
    if root.exists() {
        fs::remove_dir_all(root)?;
    }
    let started = Instant::now();
    let mut made = 0u64;
    let mut module = 0u64;
    'outer: loop {
        let path = format!("example.com/org{}/mod{}", module / 50, module);
        let dl = root.join("cache/download").join(&path).join("@v");
        fs::create_dir_all(&dl)?;
        let mut list = String::new();
        let mut first_license: Option<PathBuf> = None;
        for v in 0..4 {
            let version = format!("v1.{v}.0");
            let _ = writeln!(list, "{version}");
            let tree = root.join(format!("{path}@{version}"));
            fs::create_dir_all(&tree)?;
            fs::write(tree.join("go.mod"), format!("module {path}\n"))?;
            let license = tree.join("LICENSE");
            match &first_license {
                Some(first) => fs::hard_link(first, &license)?,
                None => {
                    fs::write(&license, "Permission is hereby granted\n")?;
                    first_license = Some(license);
                }
            }
            made += 2;
            for ext in ["info", "mod", "zip", "ziphash"] {
                let body = match ext {
                    "info" => format!("{{\"Version\":\"{version}\"}}\n"),
                    "mod" => format!("module {path}\n"),
                    _ => String::new(),
                };
                fs::write(dl.join(format!("{version}.{ext}")), body)?;
                made += 1;
            }
            // 9 package directories of 20 empty files: ~190 files a version.
            for p in 0..9 {
                let dir = tree.join(format!("pkg{p}"));
                fs::create_dir(&dir)?;
                for f in 0..20 {
                    fs::File::create(dir.join(format!("f{f}.go")))?;
                    made += 1;
                    if made >= n {
                        fs::write(dl.join("list"), &list)?;
                        break 'outer;
                    }
                }
            }
        }
        fs::write(dl.join("list"), &list)?;
        made += 1;
        std::os::unix::fs::symlink("v1.0.0.mod", dl.join("latest.mod"))?;
        module += 1;
        if made >= n {
            break;
        }
    }
    fs::write(&marker, "")?;
    println(&format!(
        "built {} ({} files) in {:.1}s",
        root.display(),
        count_files(root)?,
        started.elapsed().as_secs_f64()
    ))?;
    Ok(())
}

pub fn count_files(root: &Path) -> Res<u64> {
    let out = Command::new("find")
        .arg(root)
        .args(["-type", "f"])
        .stderr(Stdio::null())
        .output()?;
    Ok(out.stdout.iter().filter(|b| **b == b'\n').count() as u64)
}
