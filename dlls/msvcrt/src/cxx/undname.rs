//! Undecorating the type names of TypeDescriptors (`.H`, `.?AVBase@@`,
//! `.PEBD`) into what type_info::name() shows: "int", "class Base",
//! "char const * __ptr64". The subset of Microsoft's decoration grammar
//! that names data types: fundamental types, classes, structs, unions and
//! enums in namespaces, and pointers to those. Anything else (templates,
//! function pointers, member pointers, arrays) is None.

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
    /// Name fragments seen so far; digits refer back to them.
    names: Vec<String>,
}

impl Parser<'_> {
    fn next(&mut self) -> Option<u8> {
        let c = *self.s.get(self.at)?;
        self.at += 1;
        Some(c)
    }

    fn data_type(&mut self) -> Option<String> {
        let simple = |n: &str| Some(n.to_string());
        match self.next()? {
            b'C' => simple("signed char"),
            b'D' => simple("char"),
            b'E' => simple("unsigned char"),
            b'F' => simple("short"),
            b'G' => simple("unsigned short"),
            b'H' => simple("int"),
            b'I' => simple("unsigned int"),
            b'J' => simple("long"),
            b'K' => simple("unsigned long"),
            b'M' => simple("float"),
            b'N' => simple("double"),
            b'O' => simple("long double"),
            b'X' => simple("void"),
            b'_' => match self.next()? {
                b'J' => simple("__int64"),
                b'K' => simple("unsigned __int64"),
                b'N' => simple("bool"),
                b'W' => simple("wchar_t"),
                b'S' => simple("char16_t"),
                b'U' => simple("char32_t"),
                b'Q' => simple("char8_t"),
                _ => None,
            },
            b'V' => Some(format!("class {}", self.qualified_name()?)),
            b'U' => Some(format!("struct {}", self.qualified_name()?)),
            b'T' => Some(format!("union {}", self.qualified_name()?)),
            b'W' => match self.next()? {
                b'4' => Some(format!("enum {}", self.qualified_name()?)),
                _ => None,
            },
            b'P' => self.pointer(),
            _ => None,
        }
    }

    /// After `P`: `E` (__ptr64), the pointee's cv letter, the pointee.
    fn pointer(&mut self) -> Option<String> {
        let ptr64 = self.s.get(self.at) == Some(&b'E');
        if ptr64 {
            self.at += 1;
        }
        let cv = match self.next()? {
            b'A' => "",
            b'B' => " const",
            b'C' => " volatile",
            b'D' => " const volatile",
            _ => return None,
        };
        let pointee = self.data_type()?;
        Some(format!(
            "{pointee}{cv} *{}",
            if ptr64 { " __ptr64" } else { "" }
        ))
    }

    /// Fragments, innermost first, up to `@`; printed outermost first.
    fn qualified_name(&mut self) -> Option<String> {
        let mut parts = Vec::new();
        loop {
            match *self.s.get(self.at)? {
                b'@' => {
                    self.at += 1;
                    break;
                }
                d @ b'0'..=b'9' => {
                    self.at += 1;
                    parts.push(self.names.get((d - b'0') as usize)?.clone());
                }
                // Templates and special names.
                b'?' => return None,
                _ => {
                    let end = self.s[self.at..].iter().position(|&c| c == b'@')?;
                    let part = std::str::from_utf8(&self.s[self.at..self.at + end]).ok()?;
                    if part.is_empty() {
                        return None;
                    }
                    self.at += end + 1;
                    if self.names.len() < 10 {
                        self.names.push(part.to_string());
                    }
                    parts.push(part.to_string());
                }
            }
        }
        if parts.is_empty() {
            return None;
        }
        parts.reverse();
        Some(parts.join("::"))
    }
}

/// The undecorated name of a TypeDescriptor's decorated name.
pub fn type_name(raw: &[u8]) -> Option<String> {
    let rest = raw.strip_prefix(b".")?;
    let rest = rest.strip_prefix(b"?A").unwrap_or(rest);
    let mut p = Parser {
        s: rest,
        at: 0,
        names: Vec::new(),
    };
    let name = p.data_type()?;
    (p.at == rest.len()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::type_name;

    #[test]
    fn undecorates_data_types() {
        let cases: &[(&[u8], &str)] = &[
            (b".H", "int"),
            (b".N", "double"),
            (b".?AVBase@@", "class Base"),
            (b".?AUPoint@@", "struct Point"),
            (b".?ATU@@", "union U"),
            (b".?AW4Color@@", "enum Color"),
            (b".?AVInner@Outer@ns@@", "class ns::Outer::Inner"),
            (b".PEAH", "int * __ptr64"),
            (b".PEBD", "char const * __ptr64"),
            (b".PEAPEAH", "int * __ptr64 * __ptr64"),
            (b".PEAVBase@@", "class Base * __ptr64"),
            (b".?AVA@0@", "class A::A"),
        ];
        for (raw, want) in cases {
            assert_eq!(type_name(raw).as_deref(), Some(*want), "{:?}", raw);
        }
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        for raw in [
            &b".?AV?$vector@H@std@@"[..],
            b".P6AXXZ",
            b"H",
            b".?AV",
            b".HH",
            b".?AVA@@@",
        ] {
            assert_eq!(type_name(raw), None, "{:?}", raw);
        }
    }
}
