//! Reads a parsed JSON body into a type with one rule serde does not have: a struct is
//! read only from a JSON object, at any depth, never from an array of its fields in
//! order (serde's derive accepts both, so `[...]` would pass for `{...}` as a positional
//! body that no client means and no schema describes).

use serde::de::{self, DeserializeSeed, IntoDeserializer, Unexpected, Visitor};
use serde_json::{Error, Value};

/// Deserializes `T` from `v`, refusing an array wherever `T` has a struct; the error
/// says where (`counts[0]`).
pub fn from_value<T: de::DeserializeOwned>(v: &Value) -> Result<T, serde_path_to_error::Error<Error>> {
    serde_path_to_error::deserialize(Strict(v))
}

fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (_, Some(i)) => Unexpected::Signed(i),
            _ => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

struct Strict<'a>(&'a Value);

impl<'de> de::Deserializer<'de> for Strict<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => visitor.visit_u64(u),
                (_, Some(i), _) => visitor.visit_i64(i),
                (_, _, Some(f)) => visitor.visit_f64(f),
                _ => Err(de::Error::custom("a number out of range")),
            },
            Value::String(s) => visitor.visit_str(s),
            Value::Array(items) => {
                let mut seq = Seq(items.iter());
                let out = visitor.visit_seq(&mut seq)?;
                match seq.0.len() {
                    0 => Ok(out),
                    _ => Err(de::Error::invalid_length(items.len(), &"fewer elements in array")),
                }
            }
            Value::Object(map) => {
                let mut access = Map { iter: map.iter(), value: None };
                let out = visitor.visit_map(&mut access)?;
                match access.iter.len() {
                    0 => Ok(out),
                    _ => Err(de::Error::invalid_length(map.len(), &"fewer elements in map")),
                }
            }
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(_) => self.deserialize_any(visitor),
            other => Err(de::Error::invalid_type(unexpected(other), &"a JSON object")),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(IntoDeserializer::<Error>::into_deserializer(s.as_str())),
            Value::Object(map) if map.len() == 1 => match map.iter().next() {
                Some((variant, value)) => visitor.visit_enum(Enum { variant, value }),
                None => Err(de::Error::invalid_value(Unexpected::Map, &"a map with a single key")),
            },
            other => Err(de::Error::invalid_type(unexpected(other), &"a string or a map with a single key")),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct Seq<'a>(std::slice::Iter<'a, Value>);

impl<'de> de::SeqAccess<'de> for Seq<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|v| seed.deserialize(Strict(v))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Map<'a> {
    iter: serde_json::map::Iter<'a>,
    value: Option<&'a Value>,
}

impl<'de> de::MapAccess<'de> for Map<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(IntoDeserializer::<Error>::into_deserializer(k.as_str())).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(v) => seed.deserialize(Strict(v)),
            None => Err(de::Error::custom("a value without its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct Enum<'a> {
    variant: &'a str,
    value: &'a Value,
}

impl<'de, 'a> de::EnumAccess<'de> for Enum<'a> {
    type Error = Error;
    type Variant = Strict<'a>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Strict<'a>), Error> {
        let variant = seed.deserialize(IntoDeserializer::<Error>::into_deserializer(self.variant))?;
        Ok((variant, Strict(self.value)))
    }
}

impl<'de> de::VariantAccess<'de> for Strict<'_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.0 {
            Value::Null => Ok(()),
            other => Err(de::Error::invalid_type(unexpected(other), &"unit variant")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(self, fields: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_struct(self, "", fields, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::from_value;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        a: i64,
        #[serde(default)]
        b: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Plain,
        Wrapped(i64),
        Shaped { x: i64 },
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        name: String,
        inner: Inner,
        list: Vec<Inner>,
        #[serde(default)]
        kinds: Vec<Kind>,
        small: u8,
        signed: i32,
    }

    fn read(v: serde_json::Value) -> Result<Outer, String> {
        from_value::<Outer>(&v).map_err(|e| e.to_string())
    }

    #[test]
    fn objects_are_read_as_serde_json_reads_them() {
        let v = serde_json::json!({"name": "Lê Thị Mai", "inner": {"a": 1}, "list": [{"a": 2, "b": "x"}],
            "kinds": ["plain", {"wrapped": 3}, {"shaped": {"x": 4}}], "small": 255, "signed": -7});
        let direct: Outer = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(read(v).unwrap(), direct);
    }

    #[test]
    fn a_struct_is_never_read_from_an_array() {
        let top = serde_json::json!(["x", {"a": 1}, [], [], 1, 1]);
        assert!(serde_json::from_value::<Outer>(top.clone()).is_ok(), "serde alone accepts a positional body");
        assert!(read(top).unwrap_err().contains("expected a JSON object"));
        let nested = serde_json::json!({"name": "x", "inner": [1, null], "list": [], "small": 1, "signed": 1});
        assert!(read(nested).unwrap_err().contains("expected a JSON object"));
        let in_list = serde_json::json!({"name": "x", "inner": {"a": 1}, "list": [[1]], "small": 1, "signed": 1});
        assert!(read(in_list).unwrap_err().contains("expected a JSON object"));
        let in_variant =
            serde_json::json!({"name": "x", "inner": {"a": 1}, "list": [], "kinds": [{"shaped": [4]}], "small": 1, "signed": 1});
        assert!(read(in_variant).unwrap_err().contains("expected a JSON object"));
    }

    #[test]
    fn the_usual_checks_still_hold() {
        let base = serde_json::json!({"name": "x", "inner": {"a": 1}, "list": [], "small": 1, "signed": 1});
        let with = |k: &str, v: serde_json::Value| {
            let mut b = base.clone();
            b[k] = v;
            read(b)
        };
        assert!(read(base.clone()).is_ok());
        assert!(with("small", serde_json::json!(256)).is_err());
        assert!(with("signed", serde_json::json!(1.5)).is_err());
        assert!(with("name", serde_json::json!(1)).is_err());
        assert!(with("inner", serde_json::json!({"a": 1, "zzz": 2})).unwrap_err().contains("unknown field"));
        assert!(with("kinds", serde_json::json!(["nope"])).is_err());
        let mut missing = base;
        missing.as_object_mut().unwrap().remove("name");
        assert!(read(missing).unwrap_err().contains("missing field `name`"));
    }
}
