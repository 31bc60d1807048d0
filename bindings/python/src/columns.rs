//! Tables from Python, read in place: an object with `__arrow_c_stream__` (a pyarrow `Table` or
//! `RecordBatchReader`, or anything else that speaks the Arrow PyCapsule interface) is imported
//! as a stream of record batches through the Arrow C stream interface, and its text and id
//! columns are read from the Arrow buffers without making a Python object per value.

use std::borrow::Cow;

use arrow_array::cast::AsArray;
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::types::{Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type};
use arrow_array::{Array, ArrayRef, LargeStringArray, RecordBatch, StringArray, StringViewArray};
use arrow_schema::{DataType, Schema};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

/// Takes the Arrow stream of `obj` (`obj.__arrow_c_stream__()`).
///
/// # Errors
/// `obj` has no Arrow stream, or the stream's schema cannot be read.
pub fn import(obj: &Bound<'_, PyAny>) -> PyResult<ArrowArrayStreamReader> {
    let capsule = obj.call_method1("__arrow_c_stream__", (obj.py().None(),))?;
    let capsule = capsule.cast::<PyCapsule>()?;
    let ptr = capsule.pointer_checked(Some(c"arrow_array_stream"))?;
    // SAFETY: the capsule named "arrow_array_stream" holds an FFI_ArrowArrayStream (the Arrow
    // PyCapsule interface). Moving it out and leaving an empty (released) stream behind makes
    // this the stream's only owner; the capsule's destructor then sees a released stream and
    // does nothing, as the interface specifies.
    let stream = unsafe {
        std::ptr::replace(
            ptr.as_ptr().cast::<FFI_ArrowArrayStream>(),
            FFI_ArrowArrayStream::empty(),
        )
    };
    ArrowArrayStreamReader::try_new(stream)
        .map_err(|e| PyValueError::new_err(format!("cannot read the Arrow stream: {e}")))
}

/// Whether `t` is a string type storydup reads texts from.
fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// Whether `t` can hold record ids: strings, or integers (written in decimal, as the CLI reads
/// integer ids from JSON).
fn is_id(t: &DataType) -> bool {
    is_string(t) || t.is_integer()
}

/// The names of the columns, for messages.
fn names(schema: &Schema) -> String {
    let n: Vec<String> = schema.fields().iter().map(|f| format!("'{}'", f.name())).collect();
    format!("[{}]", n.join(", "))
}

/// What a column of the input is for.
#[derive(Debug, Clone, Copy)]
pub enum Role {
    /// Texts (required, strings).
    Text,
    /// Ids (strings or integers).
    Id,
    /// Optional string fields of articles (title, date, source).
    Field,
}

/// Checks that `schema` has `name` with a type fit for `role`; the error names the column, its
/// type and the argument that picks it.
///
/// # Errors
/// `ValueError` when the column is missing, `TypeError` when its type does not fit.
pub fn check(schema: &Schema, name: &str, role: Role, arg: &str) -> PyResult<()> {
    let Ok(field) = schema.field_with_name(name) else {
        return Err(PyValueError::new_err(format!(
            "no column '{name}' (the columns are {}); name the column with {arg}=",
            names(schema)
        )));
    };
    let t = field.data_type();
    let fits = match role {
        Role::Text | Role::Field => is_string(t),
        Role::Id => is_id(t),
    };
    if !fits {
        let want = match role {
            Role::Id => "a string or integer column",
            _ => "a string column",
        };
        return Err(PyTypeError::new_err(format!(
            "column '{name}' is {t}, not {want}; name another column with {arg}=, or cast it to string first"
        )));
    }
    Ok(())
}

/// A string column of one batch.
#[derive(Debug, Clone)]
pub enum Strings {
    /// `string` (32-bit offsets).
    Utf8(StringArray),
    /// `large_string` (64-bit offsets).
    Large(LargeStringArray),
    /// `string_view`.
    View(StringViewArray),
}

impl Strings {
    /// The column `name` of `batch` (checked with [`check`] against the stream's schema).
    pub fn of(batch: &RecordBatch, name: &str) -> Option<Strings> {
        Strings::new(batch.column_by_name(name)?)
    }

    fn new(a: &ArrayRef) -> Option<Strings> {
        Some(match a.data_type() {
            DataType::Utf8 => Strings::Utf8(a.as_string::<i32>().clone()),
            DataType::LargeUtf8 => Strings::Large(a.as_string::<i64>().clone()),
            DataType::Utf8View => Strings::View(a.as_string_view().clone()),
            _ => return None,
        })
    }

    /// The value of row `i`, or `None` when it is null.
    pub fn get(&self, i: usize) -> Option<&str> {
        match self {
            Strings::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

/// An id column of one batch: strings as they are, integers in decimal.
#[derive(Debug, Clone)]
pub enum Ids {
    /// A string column.
    Text(Strings),
    /// An integer column.
    Int(ArrayRef),
}

impl Ids {
    /// The column `name` of `batch` (checked with [`check`] against the stream's schema).
    pub fn of(batch: &RecordBatch, name: &str) -> Option<Ids> {
        let a = batch.column_by_name(name)?;
        if a.data_type().is_integer() {
            Some(Ids::Int(a.clone()))
        } else {
            Strings::new(a).map(Ids::Text)
        }
    }

    /// The id of row `i`, or `None` when it is null.
    pub fn get(&self, i: usize) -> Option<Cow<'_, str>> {
        match self {
            Ids::Text(s) => s.get(i).map(Cow::Borrowed),
            Ids::Int(a) => {
                if a.is_null(i) {
                    return None;
                }
                let s = match a.data_type() {
                    DataType::Int8 => a.as_primitive::<Int8Type>().value(i).to_string(),
                    DataType::Int16 => a.as_primitive::<Int16Type>().value(i).to_string(),
                    DataType::Int32 => a.as_primitive::<Int32Type>().value(i).to_string(),
                    DataType::Int64 => a.as_primitive::<Int64Type>().value(i).to_string(),
                    DataType::UInt8 => a.as_primitive::<UInt8Type>().value(i).to_string(),
                    DataType::UInt16 => a.as_primitive::<UInt16Type>().value(i).to_string(),
                    DataType::UInt32 => a.as_primitive::<UInt32Type>().value(i).to_string(),
                    DataType::UInt64 => a.as_primitive::<UInt64Type>().value(i).to_string(),
                    _ => return None,
                };
                Some(Cow::Owned(s))
            }
        }
    }
}

/// String columns held for the whole call, with the first row of each batch, so that any row
/// can be read again (exact verification asks for texts after signing).
#[derive(Debug, Default)]
pub struct Held {
    batches: Vec<Strings>,
    /// First row (over the whole input) of each batch.
    starts: Vec<u64>,
}

impl Held {
    /// Holds the next batch, whose first row is `start`.
    pub fn push(&mut self, start: u64, s: Strings) {
        self.starts.push(start);
        self.batches.push(s);
    }

    /// The value of `row` (over the whole input), `None` when null or out of range.
    pub fn get(&self, row: u64) -> Option<&str> {
        let b = self.starts.partition_point(|&s| s <= row).checked_sub(1)?;
        self.batches[b].get((row - self.starts[b]) as usize)
    }
}
