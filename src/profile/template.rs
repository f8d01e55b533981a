//! Profile values with variables: `${name}` is replaced by the variable's value, `$$` is a
//! literal `$`, and any other `$` stands for itself. Pure.

use std::collections::BTreeMap;

/// One piece of a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Text(String),
    Var(String),
}

/// A parsed value, keeping its source text (for saving and showing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

impl Template {
    /// Parse `source`; the error says what is wrong (the caller adds the place).
    pub fn parse(source: &str) -> Result<Template, String> {
        let mut parts: Vec<Part> = Vec::new();
        let mut text = String::new();
        let mut rest = source;
        while let Some(i) = rest.find('$') {
            text.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(r) = after.strip_prefix('$') {
                text.push('$');
                rest = r;
            } else if let Some(r) = after.strip_prefix('{') {
                let Some(end) = r.find('}') else {
                    return Err("`${` is not closed by `}` (write `$$` for a literal `$`)".into());
                };
                let name = &r[..end];
                let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                if !valid {
                    return Err(format!(
                        "`${{{name}}}` is not a variable reference: names are lower case, e.g. `${{proxy}}` (write `$$` for a literal `$`)"
                    ));
                }
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(Part::Var(name.to_string()));
                rest = &r[end + 1..];
            } else {
                text.push('$');
                rest = after;
            }
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template {
            source: source.to_string(),
            parts,
        })
    }

    /// A template for a literal value (escapes `$`).
    pub fn literal(value: &str) -> Template {
        Template {
            source: value.replace('$', "$$"),
            parts: if value.is_empty() {
                vec![]
            } else {
                vec![Part::Text(value.to_string())]
            },
        }
    }

    /// The text as written in the profile file.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Variable names used, in order of first use.
    pub fn references(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for p in &self.parts {
            if let Part::Var(v) = p
                && !out.contains(&v.as_str())
            {
                out.push(v);
            }
        }
        out
    }

    /// The value with variables filled in; a variable without a value stays as `${name}`
    /// (for showing a profile before its variables are known).
    pub fn render(&self, values: &BTreeMap<String, String>) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.clone(),
                Part::Var(v) => values
                    .get(v)
                    .cloned()
                    .unwrap_or_else(|| format!("${{{v}}}")),
            })
            .collect()
    }

    /// Variable values (extending `fixed`, non-empty, the same in every place) under which the
    /// template renders exactly `value`, if there are any. Used to recognise the active profile.
    pub fn bind(
        &self,
        value: &str,
        fixed: &BTreeMap<String, String>,
    ) -> Option<BTreeMap<String, String>> {
        fn go(parts: &[Part], value: &str, bound: &mut BTreeMap<String, String>) -> bool {
            let Some((first, rest)) = parts.split_first() else {
                return value.is_empty();
            };
            match first {
                Part::Text(t) => value
                    .strip_prefix(t.as_str())
                    .is_some_and(|v| go(rest, v, bound)),
                Part::Var(name) => {
                    if let Some(b) = bound.get(name).cloned() {
                        return value
                            .strip_prefix(b.as_str())
                            .is_some_and(|v| go(rest, v, bound));
                    }
                    // Try every non-empty prefix; values are short, so this stays cheap.
                    let ends = value
                        .char_indices()
                        .map(|(i, _)| i)
                        .skip(1)
                        .chain([value.len()]);
                    for i in ends.filter(|i| *i > 0) {
                        bound.insert(name.clone(), value[..i].to_string());
                        if go(rest, &value[i..], bound) {
                            return true;
                        }
                    }
                    bound.remove(name);
                    false
                }
            }
        }
        let mut bound = fixed.clone();
        go(&self.parts, value, &mut bound).then_some(bound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_references_and_escapes() {
        let t = Template::parse("${proxy},$$x,$y,${fallback}").expect("parses");
        assert_eq!(t.references(), vec!["proxy", "fallback"]);
        assert_eq!(
            t.render(&vals(&[("proxy", "https://p"), ("fallback", "direct")])),
            "https://p,$x,$y,direct"
        );
        assert_eq!(t.render(&vals(&[])), "${proxy},$x,$y,${fallback}");
    }

    #[test]
    fn rejects_unclosed_and_bad_names() {
        assert!(Template::parse("${proxy").is_err());
        assert!(Template::parse("${PROXY}").is_err());
        assert!(Template::parse("${}").is_err());
    }

    #[test]
    fn literal_round_trips_through_parse() {
        for v in ["a$b", "${x}", "$$", "plain"] {
            let t = Template::literal(v);
            let back = Template::parse(t.source()).expect("parses");
            assert_eq!(back.render(&vals(&[])), v);
            assert_eq!(back, t);
        }
    }

    #[test]
    fn matches_values_with_variables() {
        let t = Template::parse("${proxy},${fallback}").expect("parses");
        assert!(t.bind("https://p,https://q,direct", &vals(&[])).is_some());
        assert!(t.bind("https://p", &vals(&[])).is_none());
        assert!(
            t.bind(
                "https://p,https://q,direct",
                &vals(&[("fallback", "https://q,direct")])
            )
            .is_some()
        );
        assert!(
            t.bind("https://p,direct", &vals(&[("proxy", "https://x")]))
                .is_none()
        );
        let same = Template::parse("${a}-${a}").expect("parses");
        assert!(same.bind("x-x", &vals(&[])).is_some());
        assert!(same.bind("x-y", &vals(&[])).is_none());
    }
}
