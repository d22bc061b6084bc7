//! Decoding of one object file of renku-python's object database into [`PyValue`]s
//! (renku-python's serialisation grammar: tagged JSON objects, references and
//! back-references).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value as Json;

/// Deepest nesting of values accepted in one file; deeper input is reported as damaged
/// instead of exhausting the stack.
const MAX_DEPTH: usize = 256;

/// A Python value as renku-python's object database stores it.
#[derive(Debug, Clone, PartialEq)]
pub enum PyValue {
    /// `None`.
    None,
    /// A boolean.
    Bool(bool),
    /// An integer or a float.
    Number(serde_json::Number),
    /// A string.
    Str(String),
    /// A list.
    List(Vec<PyValue>),
    /// A plain dict (string keys).
    Dict(BTreeMap<String, PyValue>),
    /// A tuple (all BTree states are nested tuples).
    Tuple(Vec<PyValue>),
    /// A set or frozenset.
    Set(Vec<PyValue>),
    /// A `datetime.datetime` in Python's `isoformat()` (naive in old data).
    DateTime(String),
    /// A class or interface object (catalog internals).
    Type(String),
    /// A function object (catalog internals).
    Function(String),
    /// A reference to another persistent object, stored in its own file.
    Ref {
        /// Python type name of the referenced object.
        type_name: String,
        /// Its object id (the file name).
        oid: String,
    },
    /// An object of a class: an embedded value object (Person, Entity, …), an inline
    /// `Index`, an inline BTrees helper (`OOTreeSet`, `Length`), or a file's top-level object.
    Object(Arc<PyObject>),
}

/// An instance of a Python class.
#[derive(Debug, Clone, PartialEq)]
pub struct PyObject {
    /// Python type name (`module.qualname`).
    pub type_name: String,
    /// Object id, for persistent objects and inline indexes.
    pub oid: Option<String>,
    /// The object's state: a [`PyValue::Dict`] of attributes for ordinary classes, the raw
    /// state (tuples, integers, `None`) for BTrees and their helpers.
    pub state: PyValue,
}

impl PyObject {
    /// The type name without its module path (`Dataset` for `renku.domain_model.dataset.Dataset`).
    pub fn class_name(&self) -> &str {
        self.type_name.rsplit('.').next().unwrap_or(&self.type_name)
    }

    /// Attribute `name`, when the state is a dict holding it.
    pub fn attr(&self, name: &str) -> Option<&PyValue> {
        match &self.state {
            PyValue::Dict(map) => map.get(name),
            _ => None,
        }
    }
}

impl PyValue {
    /// The string, for [`PyValue::Str`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PyValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The object, for [`PyValue::Object`].
    pub fn as_object(&self) -> Option<&PyObject> {
        match self {
            PyValue::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The items of a list, tuple or set.
    pub fn as_items(&self) -> Option<&[PyValue]> {
        match self {
            PyValue::List(v) | PyValue::Tuple(v) | PyValue::Set(v) => Some(v),
            _ => None,
        }
    }

    /// Whether this is `None`.
    pub fn is_none(&self) -> bool {
        matches!(self, PyValue::None)
    }

    /// The value as plain JSON (objects become their attribute dicts, references
    /// `{"@renku_oid": …}`), for values that are data rather than structure (parameter
    /// values, annotation bodies).
    pub fn to_json(&self) -> Json {
        match self {
            PyValue::None => Json::Null,
            PyValue::Bool(b) => Json::Bool(*b),
            PyValue::Number(n) => Json::Number(n.clone()),
            PyValue::Str(s) | PyValue::DateTime(s) | PyValue::Type(s) | PyValue::Function(s) => {
                Json::String(s.clone())
            }
            PyValue::List(v) | PyValue::Tuple(v) | PyValue::Set(v) => {
                Json::Array(v.iter().map(PyValue::to_json).collect())
            }
            PyValue::Dict(m) => Json::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect::<serde_json::Map<_, _>>(),
            ),
            PyValue::Ref { oid, .. } => serde_json::json!({ "@renku_oid": oid }),
            PyValue::Object(o) => o.state.to_json(),
        }
    }
}

/// Types whose `@renku_data_value` is not an embedded object (and so takes no
/// back-reference number).
fn is_inline_helper(type_name: &str) -> bool {
    type_name.starts_with("BTrees.")
}

/// Decodes the top-level object of one file.
pub fn decode_file(json: Json) -> Result<PyObject, String> {
    let Json::Object(mut map) = json else {
        return Err("the file does not hold a JSON object".into());
    };
    let type_name = match map.remove("@renku_data_type") {
        Some(Json::String(t)) => t,
        _ => return Err("the object has no @renku_data_type".into()),
    };
    let oid = match map.remove("@renku_oid") {
        Some(Json::String(o)) => Some(o),
        None => None,
        Some(_) => return Err("@renku_oid is not a string".into()),
    };
    let mut decoder = Decoder { table: Vec::new() };
    let state = match map.remove("@renku_data_value") {
        Some(value) if map.is_empty() => decoder.decode(value, 0)?,
        Some(_) => return Err("an object has both @renku_data_value and attributes".into()),
        None => decoder.decode_dict(map, 0)?,
    };
    Ok(PyObject {
        type_name,
        oid,
        state,
    })
}

struct Decoder {
    /// Embedded objects in pre-order; `None` while an object's children are decoded.
    table: Vec<Option<PyValue>>,
}

impl Decoder {
    fn decode(&mut self, json: Json, depth: usize) -> Result<PyValue, String> {
        if depth > MAX_DEPTH {
            return Err(format!("values are nested deeper than {MAX_DEPTH} levels"));
        }
        Ok(match json {
            Json::Null => PyValue::None,
            Json::Bool(b) => PyValue::Bool(b),
            Json::Number(n) => PyValue::Number(n),
            Json::String(s) => PyValue::Str(s),
            Json::Array(items) => PyValue::List(self.decode_all(items, depth)?),
            Json::Object(map) => self.decode_map(map, depth)?,
        })
    }

    fn decode_all(&mut self, items: Vec<Json>, depth: usize) -> Result<Vec<PyValue>, String> {
        items
            .into_iter()
            .map(|v| self.decode(v, depth + 1))
            .collect()
    }

    fn decode_dict(
        &mut self,
        map: serde_json::Map<String, Json>,
        depth: usize,
    ) -> Result<PyValue, String> {
        // Keys in sorted order: the order renku-python numbered embedded objects in.
        let sorted: BTreeMap<String, Json> = map.into_iter().collect();
        let mut out = BTreeMap::new();
        for (k, v) in sorted {
            let value = self.decode(v, depth + 1)?;
            out.insert(k, value);
        }
        Ok(PyValue::Dict(out))
    }

    fn decode_map(
        &mut self,
        mut map: serde_json::Map<String, Json>,
        depth: usize,
    ) -> Result<PyValue, String> {
        let type_name = match map.remove("@renku_data_type") {
            None => return self.decode_dict(map, depth),
            Some(Json::String(t)) => t,
            Some(_) => return Err("@renku_data_type is not a string".into()),
        };
        let value = map.remove("@renku_data_value");
        let text = |v: Option<Json>, what: &str| match v {
            Some(Json::String(s)) => Ok(s),
            _ => Err(format!("a {what} value is not a string")),
        };
        let list = |v: Option<Json>, what: &str| match v {
            Some(Json::Array(items)) => Ok(items),
            _ => Err(format!("a {what} value is not a list")),
        };
        match type_name.as_str() {
            "reference" => {
                let n = value
                    .as_ref()
                    .and_then(Json::as_u64)
                    .ok_or("a back-reference has no number")?;
                return match self.table.get(n as usize) {
                    Some(Some(v)) => Ok(v.clone()),
                    Some(None) => Err(format!(
                        "back-reference {n} points at an object that contains it"
                    )),
                    None => Err(format!("back-reference {n} points at no earlier object")),
                };
            }
            "builtins.tuple" => {
                return Ok(PyValue::Tuple(
                    self.decode_all(list(value, "tuple")?, depth)?,
                ));
            }
            "set" | "frozenset" | "builtins.set" | "builtins.frozenset" => {
                return Ok(PyValue::Set(self.decode_all(list(value, "set")?, depth)?));
            }
            "datetime.datetime" | "datetime.date" => {
                return Ok(PyValue::DateTime(text(value, "datetime")?));
            }
            "type" => return Ok(PyValue::Type(text(value, "type")?)),
            "function" => return Ok(PyValue::Function(text(value, "function")?)),
            _ => {}
        }
        let oid = match map.remove("@renku_oid") {
            Some(Json::String(o)) => Some(o),
            None => None,
            Some(_) => return Err("@renku_oid is not a string".into()),
        };
        if let Some(Json::Bool(true)) = map.get("@renku_reference") {
            let oid = oid.ok_or("a reference has no @renku_oid")?;
            return Ok(PyValue::Ref { type_name, oid });
        }
        map.remove("@renku_reference");
        match value {
            None => {
                // An inline Index (attributes beside the type) or an attribute-less object.
                let state = self.decode_dict(map, depth)?;
                Ok(PyValue::Object(Arc::new(PyObject {
                    type_name,
                    oid,
                    state,
                })))
            }
            Some(value) if is_inline_helper(&type_name) || oid.is_some() => {
                let state = self.decode(value, depth + 1)?;
                Ok(PyValue::Object(Arc::new(PyObject {
                    type_name,
                    oid,
                    state,
                })))
            }
            Some(value) => {
                // An embedded object: numbered before its children.
                let slot = self.table.len();
                self.table.push(None);
                let state = self.decode(value, depth + 1)?;
                let object = PyValue::Object(Arc::new(PyObject {
                    type_name,
                    oid: None,
                    state,
                }));
                self.table[slot] = Some(object.clone());
                Ok(object)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_references_resolve_to_earlier_embedded_objects() {
        let json = serde_json::json!({
            "agents": [
                {"@renku_data_type": "renku.domain_model.provenance.agent.SoftwareAgent",
                 "@renku_data_value": {"id": "https://x", "name": "renku 2.9.4"}},
            ],
            "association": {
                "@renku_data_type": "renku.domain_model.provenance.activity.Association",
                "@renku_data_value": {
                    "agent": {"@renku_data_type": "reference", "@renku_data_value": 0},
                    "plan": {"@renku_data_type": "renku.domain_model.workflow.plan.Plan",
                             "@renku_oid": "ab", "@renku_reference": true}
                }
            },
            "started": {"@renku_data_type": "datetime.datetime",
                        "@renku_data_value": "2020-01-01T00:00:00+00:00"},
            "@renku_data_type": "renku.domain_model.provenance.activity.Activity",
            "@renku_oid": "cd"
        });
        let obj = decode_file(json).unwrap();
        assert_eq!(obj.class_name(), "Activity");
        let assoc = obj.attr("association").unwrap().as_object().unwrap();
        let agent = assoc.attr("agent").unwrap().as_object().unwrap();
        assert_eq!(agent.attr("name").unwrap().as_str(), Some("renku 2.9.4"));
        assert!(matches!(assoc.attr("plan"), Some(PyValue::Ref { oid, .. }) if oid == "ab"));
        assert_eq!(
            obj.attr("started"),
            Some(&PyValue::DateTime("2020-01-01T00:00:00+00:00".into()))
        );
    }

    #[test]
    fn damaged_references_are_errors() {
        let self_ref = serde_json::json!({
            "x": {"@renku_data_type": "a.B", "@renku_data_value": {
                "y": {"@renku_data_type": "reference", "@renku_data_value": 0}}},
            "@renku_data_type": "a.C", "@renku_oid": "o"
        });
        assert!(decode_file(self_ref).unwrap_err().contains("contains it"));
        let dangling = serde_json::json!({
            "y": {"@renku_data_type": "reference", "@renku_data_value": 3},
            "@renku_data_type": "a.C", "@renku_oid": "o"
        });
        assert!(decode_file(dangling).unwrap_err().contains("no earlier"));
        assert!(decode_file(serde_json::json!([1])).is_err());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut v = serde_json::json!(1);
        for _ in 0..(MAX_DEPTH + 5) {
            v = serde_json::json!([v]);
        }
        let json = serde_json::json!({"x": v, "@renku_data_type": "a.C", "@renku_oid": "o"});
        assert!(decode_file(json).unwrap_err().contains("nested"));
    }
}
