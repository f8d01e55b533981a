//! How the wizard's [`Plan`] looks before the final question: current (source) → new per
//! setting, with what go then uses for a removal, then the plan's findings and notes.

use super::Plan;
use crate::finding::Severity;
use crate::output;
use crate::redact::redact;

/// The plan as a diff: current (source) → new, with what go then uses for removals.
pub fn render_plan(plan: &Plan) -> String {
    let mut text = format!("\n{}\n", output::heading("Plan"));
    let mut rows = Vec::new();
    for r in &plan.rows {
        let new = match (&r.new, &r.effective) {
            (Some(v), _) => v.clone(),
            (None, Some(eff)) if !eff.is_empty() => {
                format!("(unset) {}", output::dim(&format!("go then uses {eff}")))
            }
            (None, _) => "(unset)".to_string(),
        };
        let current = if r.current.is_empty() {
            output::dim("(empty)")
        } else {
            r.current.clone()
        };
        let mark = if r.changed {
            output::paint("~", Severity::Warn)
        } else {
            " ".to_string()
        };
        if !r.changed && r.new.is_none() && r.current.is_empty() {
            continue;
        }
        rows.push(vec![
            format!("{mark} {}", r.name),
            current,
            output::dim(&format!("({})", r.source)),
            "→".to_string(),
            if r.changed {
                new
            } else {
                output::dim("unchanged")
            },
        ]);
    }
    text.push_str(&output::table(&rows));
    for f in &plan.findings {
        text.push_str(&format!("{} {}\n", output::glyph(f.severity), f.message));
    }
    for n in &plan.notes {
        text.push_str(&format!("{} {n}\n", output::glyph(Severity::Info)));
    }
    redact(text.trim_end())
}
