//! One way to read JSON into a type, for the edge's bundle, where serde's
//! generated readers are the largest part of the code.
//!
//! serde generates a type's whole reader once per input it is read from,
//! so everything the edge and this crate read goes through [`parse`] (text)
//! or [`from_value`] (a `serde_json::Value` it holds already, such as
//! JSON-RPC params): the text becomes a `Value` once, and each type has one
//! reader, from a [`Reader`] over that `Value`.
//!
//! [`Reader`] is `serde_json::Value`'s own deserializer but for one thing:
//! a struct is read from an object only. serde_json also accepts a struct
//! written as an array of its fields, which makes every struct carry a
//! second, positional reader that no JSON the edge reads ever uses; a
//! struct met as an array is refused as the wrong type instead.
//!
//! Clippy refuses `serde_json::from_str`/`from_slice`/`from_value` in the
//! edge and here.

use serde::de::value::StringDeserializer;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, VariantAccess, Visitor,
};
use serde_json::{Error, Map, Value};

/// Reads `json` (text or bytes) as a `T`.
pub fn parse<T: DeserializeOwned>(json: impl AsRef<[u8]>) -> serde_json::Result<T> {
    from_value(value(json.as_ref())?)
}

/// Reads a `Value` as a `T`.
pub fn from_value<T: DeserializeOwned>(value: Value) -> serde_json::Result<T> {
    T::deserialize(Reader(value))
}

/// The text as a `Value`: one copy of the text reader, however many types.
#[inline(never)]
#[allow(clippy::disallowed_methods)] // the one place that may
fn value(json: &[u8]) -> serde_json::Result<Value> {
    serde_json::from_slice(json)
}

/// A `Value` being read (see the module's docs).
pub struct Reader(pub Value);

/// What a `Value` is, for "invalid type" errors.
fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (None, Some(i)) => Unexpected::Signed(i),
            _ => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

fn wrong<'de, V: Visitor<'de>>(value: &Value, visitor: &V) -> Error {
    de::Error::invalid_type(unexpected(value), visitor)
}

fn visit_seq<'de, V: Visitor<'de>>(items: Vec<Value>, visitor: V) -> Result<V::Value, Error> {
    let len = items.len();
    let mut seq = Items(items.into_iter());
    let value = visitor.visit_seq(&mut seq)?;
    match seq.0.len() {
        0 => Ok(value),
        _ => Err(de::Error::invalid_length(len, &"fewer elements in array")),
    }
}

fn visit_map<'de, V: Visitor<'de>>(map: Map<String, Value>, visitor: V) -> Result<V::Value, Error> {
    visitor.visit_map(Entries {
        entries: map.into_iter(),
        value: None,
    })
}

impl<'de> de::Deserializer<'de> for Reader {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => visitor.visit_u64(u),
                (None, Some(i), _) => visitor.visit_i64(i),
                (None, None, Some(f)) => visitor.visit_f64(f),
                _ => Err(de::Error::custom("a number out of range")),
            },
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => visit_seq(items, visitor),
            Value::Object(map) => visit_map(map, visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visit_map(map, visitor),
            other => Err(wrong(&other, &visitor)),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visit_seq(items, visitor),
            other => Err(wrong(&other, &visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_string(s),
            other => Err(wrong(&other, &visitor)),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    /// A unit variant is its name; any other, an object of one key.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let (variant, content) = match self.0 {
            Value::String(variant) => (variant, None),
            Value::Object(map) if map.len() == 1 => match map.into_iter().next() {
                Some((variant, content)) => (variant, Some(content)),
                None => return Err(de::Error::custom("an enum needs its variant")),
            },
            other => return Err(wrong(&other, &visitor)),
        };
        visitor.visit_enum(Variant { variant, content })
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit unit_struct
    }
}

impl<'de> IntoDeserializer<'de, Error> for Reader {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// An array's items.
struct Items(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Items {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|item| seed.deserialize(Reader(item)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// An object's entries.
struct Entries {
    entries: serde_json::map::IntoIter,
    value: Option<Value>,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(StringDeserializer::new(key)).map(Some)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(Reader(value)),
            None => Err(de::Error::custom("a value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// An enum's variant and what it holds.
struct Variant {
    variant: String,
    content: Option<Value>,
}

impl<'de> EnumAccess<'de> for Variant {
    type Error = Error;
    type Variant = Content;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Content), Error> {
        let variant = seed.deserialize(StringDeserializer::<Error>::new(self.variant))?;
        Ok((variant, Content(self.content)))
    }
}

/// What a variant holds (nothing, for a unit variant).
struct Content(Option<Value>);

impl Content {
    fn held(self, what: &'static str) -> Result<Value, Error> {
        self.0
            .ok_or_else(|| de::Error::invalid_type(Unexpected::UnitVariant, &what))
    }
}

impl<'de> VariantAccess<'de> for Content {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.0 {
            None | Some(Value::Null) => Ok(()),
            Some(other) => Err(de::Error::invalid_type(
                unexpected(&other),
                &"a unit variant",
            )),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(Reader(self.held("a newtype variant")?))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(Reader(self.held("a tuple variant")?), visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_map(Reader(self.held("a struct variant")?), visitor)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    enum Op {
        Stop,
        Say(String),
        Move { x: i32, y: Option<u8> },
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Record {
        name: String,
        count: u64,
        ratio: f64,
        tags: Vec<String>,
        maybe: Option<Box<Record>>,
        ops: Vec<Op>,
        pair: (u8, String),
        #[serde(default)]
        extra: Value,
    }

    #[test]
    fn reads_what_serde_json_reads_from_objects() {
        let text = r#"{"name": "a", "count": 3, "ratio": 2, "tags": ["x"], "ignored": [1, {"z": null}],
            "maybe": {"name": "b", "count": 0, "ratio": 0.5, "tags": [], "maybe": null, "ops": [], "pair": [1, "p"]},
            "ops": ["stop", {"say": "hi"}, {"move": {"x": -1, "y": 7}}], "pair": [2, "q"], "extra": {"k": [true]}}"#;
        let ours: Record = parse(text).unwrap();
        #[allow(clippy::disallowed_methods)]
        let theirs: Record = serde_json::from_str(text).unwrap();
        assert_eq!(ours, theirs);
        assert_eq!(ours.ops[2], Op::Move { x: -1, y: Some(7) });
        assert_eq!(ours.extra, json!({"k": [true]}));
    }

    #[test]
    fn refuses_with_serde_json_s_messages() {
        let err = |text: &str| parse::<Record>(text).unwrap_err().to_string();
        assert!(err(r#"{"name": 1}"#).contains("invalid type: integer `1`, expected a string"));
        assert!(err(r#"{"name": "a"}"#).contains("missing field `count`"));
        assert!(
            err(r#"{"name": "a", "count": -1}"#)
                .contains("invalid value: integer `-1`, expected u64")
        );
        assert!(err("[1, 2]").contains("invalid type: sequence, expected struct Record"));
        assert!(
            parse::<Op>(r#"{"jump": 1}"#)
                .unwrap_err()
                .to_string()
                .contains("unknown variant `jump`")
        );
        assert!(parse::<Op>(r#""say""#).is_err());
        assert!(parse::<(u8,)>("[1, 2]").is_err());
        assert!(
            parse::<Record>("{")
                .unwrap_err()
                .to_string()
                .contains("EOF")
        );
    }
}
