//! The generic shapes of the YAML definitions format: entries keyed by name ([`Named`]),
//! values with a short string form ([`Form`]) and intervals ([`Interval`]).

use schemars::JsonSchema;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::de::Spanned;

/// Entries keyed by name, in the order they are written.
#[derive(Debug, Clone)]
pub struct Named<T>(pub Vec<(Spanned<String>, Spanned<T>)>);

impl<T> Default for Named<T> {
    fn default() -> Self {
        Named(Vec::new())
    }
}

impl<T> Named<T> {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de, T: Deserialize<'de> + Default> Deserialize<'de> for Named<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Default> Visitor<'de> for V<T> {
            type Value = Named<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping of names to definitions")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Named<T>, E> {
                Ok(Named::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Named<T>, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let value: Spanned<Option<T>> = map.next_value()?;
                    out.push((
                        key,
                        Spanned {
                            span: value.span,
                            value: value.value.unwrap_or_default(),
                        },
                    ));
                }
                Ok(Named(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

impl<T: Serialize> Serialize for Named<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(&k.value, &v.value)?;
        }
        m.end()
    }
}

impl<T: JsonSchema> JsonSchema for Named<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Named_{}", T::schema_name()).into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let value = generator.subschema_for::<T>();
        schemars::json_schema!({
            "type": ["object", "null"],
            "additionalProperties": { "anyOf": [value, { "type": "null" }] }
        })
    }
    fn inline_schema() -> bool {
        true
    }
}

/// A definition that may also be written as one string (its short form).
pub trait Short: Sized {
    /// What the short form means, for the JSON Schema.
    const SHORT: &'static str;
    fn from_short(s: Spanned<String>) -> Result<Self, String>;
    /// The short form of this value, when it has one (for writing YAML).
    fn as_short(&self) -> Option<String> {
        None
    }
}

/// `T`, or the string that stands for it.
#[derive(Debug, Clone)]
pub struct Form<T>(pub T);

impl<T> std::ops::Deref for Form<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Default> Default for Form<T> {
    fn default() -> Self {
        Form(T::default())
    }
}

enum Either<T> {
    Short(String),
    Full(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Either<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Either<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or a mapping")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Either<T>, E> {
                Ok(Either::Short(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Either<T>, E> {
                Ok(Either::Short(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Either<T>, E> {
                Ok(Either::Short(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Either<T>, E> {
                Ok(Either::Short(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Either<T>, E> {
                Ok(Either::Short(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Either<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Either::Full)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<'de, T: Deserialize<'de> + Short> Deserialize<'de> for Form<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Spanned<Either<T>> = Spanned::deserialize(d)?;
        match s.value {
            Either::Full(t) => Ok(Form(t)),
            Either::Short(v) => T::from_short(Spanned {
                span: s.span,
                value: v,
            })
            .map(Form)
            .map_err(de::Error::custom),
        }
    }
}

impl<T: Serialize + Short> Serialize for Form<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_short() {
            Some(short) => s.serialize_str(&short),
            None => self.0.serialize(s),
        }
    }
}

impl<T: JsonSchema + Short> JsonSchema for Form<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("{}_or_string", T::schema_name()).into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let full = generator.subschema_for::<T>();
        let short: &str = T::SHORT;
        schemars::json_schema!({
            "anyOf": [ { "type": ["string", "integer"], "description": short }, full ]
        })
    }
}

/// A time span: an interval as text (`7 days`) or an integer (for integer time columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interval {
    Text(String),
    Integer(i64),
}

impl Default for Interval {
    fn default() -> Self {
        Interval::Integer(0)
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Interval;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an interval (`7 days`) or an integer")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Interval, E> {
                Ok(Interval::Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Interval, E> {
                i64::try_from(v)
                    .map(Interval::Integer)
                    .map_err(|_| E::custom("integer too large"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Interval, E> {
                Ok(Interval::Integer(v))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Interval {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Interval::Text(t) => s.serialize_str(t),
            Interval::Integer(n) => s.serialize_i64(*n),
        }
    }
}

impl JsonSchema for Interval {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Interval".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": ["string", "integer"],
            "description": "an interval (`7 days`) or, for an integer time column, an integer"
        })
    }
}
