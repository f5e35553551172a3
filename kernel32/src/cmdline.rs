//! Splitting a command line into arguments, the rules msvcrt's start-up
//! code and shell32's CommandLineToArgvW share for every command line that
//! Windows' own quoting produces.

/// Splits a command line as msvcrt's start-up code does: argv[0] up to the
/// next quote (when quoted) or blank; then 2n backslashes + quote give n
/// backslashes and toggle quoting, 2n+1 backslashes + quote give n
/// backslashes and a literal quote, and `""` inside quotes is a literal
/// quote.
pub fn split<T: Copy + Into<u32> + From<u8>>(line: &[T]) -> Vec<Vec<T>> {
    let c = |i: usize| line.get(i).map_or(0u32, |&u| u.into());
    let (q, bs, sp, tab) = (b'"' as u32, b'\\' as u32, b' ' as u32, b'\t' as u32);
    let mut args = Vec::new();
    let mut i = 0;
    let mut first = Vec::new();
    if c(0) == q {
        i = 1;
        while c(i) != 0 && c(i) != q {
            first.push(line[i]);
            i += 1;
        }
        if c(i) == q {
            i += 1;
        }
    } else {
        while c(i) != 0 && c(i) != sp && c(i) != tab {
            first.push(line[i]);
            i += 1;
        }
    }
    args.push(first);
    loop {
        while c(i) == sp || c(i) == tab {
            i += 1;
        }
        if c(i) == 0 {
            break;
        }
        let mut arg = Vec::new();
        let mut in_quote = false;
        loop {
            let mut copy = true;
            let mut slashes = 0;
            while c(i) == bs {
                i += 1;
                slashes += 1;
            }
            if c(i) == q {
                if slashes % 2 == 0 {
                    if in_quote && c(i + 1) == q {
                        i += 1;
                    } else {
                        copy = false;
                        in_quote = !in_quote;
                    }
                }
                slashes /= 2;
            }
            arg.extend(std::iter::repeat_n(T::from(b'\\'), slashes));
            if c(i) == 0 || (!in_quote && (c(i) == sp || c(i) == tab)) {
                break;
            }
            if copy {
                arg.push(line[i]);
            }
            i += 1;
        }
        args.push(arg);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::split;

    fn parse(s: &str) -> Vec<String> {
        split(s.as_bytes())
            .into_iter()
            .map(|a| String::from_utf8(a).unwrap())
            .collect()
    }

    #[test]
    fn documented_examples() {
        // The table in "Parsing C command-line arguments".
        assert_eq!(parse(r#"p "abc" d e"#), ["p", "abc", "d", "e"]);
        assert_eq!(parse(r#"p a\\b d"e f"g h"#), ["p", r"a\\b", "de fg", "h"]);
        assert_eq!(parse(r#"p a\\\"b c d"#), ["p", r#"a\"b"#, "c", "d"]);
        assert_eq!(parse(r#"p a\\\\"b c" d e"#), ["p", r"a\\b c", "d", "e"]);
        assert_eq!(
            parse(r#""C:\Program Files\x.exe" a"#),
            [r"C:\Program Files\x.exe", "a"]
        );
        assert_eq!(parse(r#"p """#), ["p", ""]);
        assert_eq!(parse("p\t a  \t b "), ["p", "a", "b"]);
    }
}
