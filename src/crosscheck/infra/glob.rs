//! IAM's wildcard match: `*` any run of characters, `?` one character.

/// True when `pattern` matches all of `text` (`fold`: ignore ASCII case,
/// as IAM does for actions).
pub fn matches(pattern: &str, text: &str, fold: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let eq = |a: char, b: char| {
        if fold {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    // Iterative matching with one backtrack point (linear in practice).
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || eq(c, t[ti]) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

pub fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn iam_wildcards() {
        assert!(matches("s3:*", "s3:GetObject", true));
        assert!(matches("S3:get*", "s3:GetObject", true));
        assert!(!matches("s3:Get*", "s3:PutObject", true));
        assert!(matches("arn:aws:s3:::b/*", "arn:aws:s3:::b/k", false));
        assert!(!matches("arn:aws:s3:::b/*", "arn:aws:s3:::c/k", false));
        assert!(matches("*", "", false));
        assert!(matches("a?c", "abc", false));
    }
}
