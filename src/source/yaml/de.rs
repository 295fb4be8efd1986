//! serde over the spanned tree: the definition types derive `Deserialize` (and
//! `JsonSchema`, from the same declarations), and every error is placed at the node it is
//! about — an unknown key at the key, a wrong type at the value, a missing key at the key of
//! the definition that lacks it. [`Spanned`] keeps a value's byte range for the compiler.

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::ops::Range;

use super::error::{Class, Problem};
use super::tree::{Kind, Node};

/// Deserialize `T` from a node.
pub(crate) fn from_node<'de, T: Deserialize<'de>>(node: &'de Node) -> Result<T, Problem> {
    T::deserialize(NodeDe(node)).map_err(|p| p.at(&node.span))
}

/// A value and the byte range of its node in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub span: Range<usize>,
    pub value: T,
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> Spanned<T> {
    /// A value made up rather than read (no position in a file).
    pub fn new(value: T) -> Self {
        Spanned { span: 0..0, value }
    }
}

impl<T: Default> Default for Spanned<T> {
    fn default() -> Self {
        Spanned::new(T::default())
    }
}

const SPANNED: &str = "$schemadiff::Spanned";
const FIELDS: &[&str] = &["$start", "$end", "$value"];

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Spanned<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Spanned<T>, A::Error> {
                let _: Option<&str> = map.next_key()?;
                let start: usize = map.next_value()?;
                let _: Option<&str> = map.next_key()?;
                let end: usize = map.next_value()?;
                let _: Option<&str> = map.next_key()?;
                let value: T = map.next_value()?;
                Ok(Spanned {
                    span: start..end,
                    value,
                })
            }
        }
        d.deserialize_struct(SPANNED, FIELDS, V(std::marker::PhantomData))
    }
}

impl<T: serde::Serialize> serde::Serialize for Spanned<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Spanned<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
    fn inline_schema() -> bool {
        T::inline_schema()
    }
}

struct NodeDe<'a>(&'a Node);

impl<'de> NodeDe<'de> {
    /// Place a problem at this node, except a missing key, which the entry that holds the
    /// mapping places at its key.
    fn place(&self, p: Problem) -> Problem {
        if p.class == Class::MissingKey {
            p
        } else {
            p.at(&self.0.span)
        }
    }

    fn scalar(&self) -> Option<(&'de str, bool)> {
        match &self.0.kind {
            Kind::Scalar { value, plain, .. } => Some((value.as_str(), *plain)),
            _ => None,
        }
    }
}

impl<'de> de::Deserializer<'de> for NodeDe<'de> {
    type Error = Problem;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Problem> {
        let r = match &self.0.kind {
            Kind::Scalar { value, plain, .. } => {
                let s = value.as_str();
                if !*plain {
                    v.visit_str(s)
                } else if self.0.is_null() {
                    v.visit_unit()
                } else if matches!(s, "true" | "True" | "TRUE") {
                    v.visit_bool(true)
                } else if matches!(s, "false" | "False" | "FALSE") {
                    v.visit_bool(false)
                } else if let Ok(n) = s.parse::<u64>() {
                    v.visit_u64(n)
                } else if let Ok(n) = s.parse::<i64>() {
                    v.visit_i64(n)
                } else if s.contains(|c: char| c.is_ascii_digit())
                    && !s.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
                    && s.parse::<f64>().is_ok()
                {
                    v.visit_f64(s.parse::<f64>().unwrap_or_default())
                } else {
                    v.visit_str(s)
                }
            }
            Kind::Seq(items) => v.visit_seq(Seq {
                items: items.iter(),
            }),
            Kind::Map(entries) => v.visit_map(Map {
                entries: entries.iter(),
                value: None,
            }),
        };
        r.map_err(|p| self.place(p))
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Problem> {
        match self.scalar() {
            Some((s, _)) if !self.0.is_null() => v.visit_str(s).map_err(|p| self.place(p)),
            _ => self.deserialize_any(v),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Problem> {
        self.deserialize_str(v)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Problem> {
        self.deserialize_str(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Problem> {
        if self.0.is_null() {
            v.visit_none().map_err(|p| self.place(p))
        } else {
            let node = NodeDe(self.0);
            v.visit_some(self).map_err(|p| node.place(p))
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, Problem> {
        let node = NodeDe(self.0);
        v.visit_newtype_struct(self).map_err(|p| node.place(p))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Problem> {
        if name == SPANNED {
            return v.visit_map(SpannedAccess {
                node: self.0,
                step: 0,
            });
        }
        let _ = fields;
        self.deserialize_any(v)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Problem> {
        match self.scalar() {
            Some((s, _)) => {
                let d: de::value::StrDeserializer<'_, Problem> = s.into_deserializer();
                v.visit_enum(d).map_err(|p| self.place(p))
            }
            None => Err(self.place(de::Error::invalid_type(
                match &self.0.kind {
                    Kind::Seq(_) => de::Unexpected::Seq,
                    _ => de::Unexpected::Map,
                },
                &"one of the names listed below",
            ))),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf
        unit unit_struct seq tuple tuple_struct map ignored_any
    }
}

struct Seq<'a> {
    items: std::slice::Iter<'a, Node>,
}

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = Problem;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Problem> {
        match self.items.next() {
            Some(n) => seed
                .deserialize(NodeDe(n))
                .map(Some)
                .map_err(|p| p.at(&n.span)),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Map<'a> {
    entries: std::slice::Iter<'a, (Node, Node)>,
    value: Option<&'a (Node, Node)>,
}

impl<'de> MapAccess<'de> for Map<'de> {
    type Error = Problem;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Problem> {
        match self.entries.next() {
            Some(entry) => {
                self.value = Some(entry);
                seed.deserialize(NodeDe(&entry.0))
                    .map(Some)
                    .map_err(|p| p.at(&entry.0.span))
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Problem> {
        let entry = self.value.take().expect("a key before its value");
        seed.deserialize(NodeDe(&entry.1)).map_err(|p| {
            if p.class == Class::MissingKey {
                p.at(&entry.0.span)
            } else {
                p.at(&entry.1.span)
            }
        })
    }
}

struct SpannedAccess<'a> {
    node: &'a Node,
    step: usize,
}

impl<'de> MapAccess<'de> for SpannedAccess<'de> {
    type Error = Problem;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Problem> {
        match FIELDS.get(self.step) {
            Some(f) => seed
                .deserialize(de::value::BorrowedStrDeserializer::new(f))
                .map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Problem> {
        self.step += 1;
        match self.step {
            1 => seed.deserialize(self.node.span.start.into_deserializer()),
            2 => seed.deserialize(self.node.span.end.into_deserializer()),
            _ => seed.deserialize(NodeDe(self.node)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tree::parse;
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct T {
        name: Spanned<String>,
        #[serde(default)]
        size: Option<u32>,
        #[serde(default)]
        tags: Vec<String>,
    }

    fn line_col(text: &str, at: usize) -> (usize, usize) {
        let before = &text[..at];
        let line = before.matches('\n').count() + 1;
        let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        (line, col)
    }

    fn err(text: &str) -> (Class, (usize, usize), String) {
        let node = parse(text).unwrap().unwrap();
        let p = from_node::<T>(&node).unwrap_err();
        (p.class, line_col(text, p.at.unwrap().start), p.message)
    }

    #[test]
    fn values_and_spans() {
        let text = "name: 0012\nsize: 3\ntags: [a, 'b', 7]\n";
        let node = parse(text).unwrap().unwrap();
        let t: T = from_node(&node).unwrap();
        assert_eq!(t.name.value, "0012");
        assert_eq!(&text[t.name.span.clone()], "0012");
        assert_eq!(t.size, Some(3));
        assert_eq!(t.tags, vec!["a", "b", "7"]);
    }

    #[test]
    fn errors_point_at_their_node() {
        let (c, at, m) = err("name: x\nsise: 3\n");
        assert_eq!((c, at), (Class::UnknownKey, (2, 1)), "{m}");
        let (c, at, _) = err("name: x\nsize: big\n");
        assert_eq!((c, at), (Class::WrongType, (2, 7)));
        let (c, at, _) = err("size: 1\n");
        assert_eq!((c, at), (Class::MissingKey, (1, 1)));
        let (c, at, _) = err("name: x\ntags: {a: 1}\n");
        assert_eq!((c, at), (Class::WrongType, (2, 7)));
    }
}
