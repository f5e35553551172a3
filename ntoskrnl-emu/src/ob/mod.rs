//! The object manager: typed, reference-counted objects, the process's
//! handle table, the object namespace (directories, symbolic links, named
//! objects) and object information.

pub mod create;
pub mod handle;
pub mod info;
pub mod namespace;
pub mod types;

use std::any::Any;
use std::sync::Arc;

/// An executive object. Reference counting is `Arc`'s: a handle holds one
/// reference, and a service holds one while it works on the object.
pub trait Object: Any + Send + Sync {
    /// The object type's name, as NtQueryObject reports it ("File", "Event").
    fn type_name(&self) -> &'static str;
    fn as_any(&self) -> &dyn Any;
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
    /// Dispatcher objects (events, threads, ...) expose their wait state.
    fn waitable(&self) -> Option<&dyn crate::ke::Waitable> {
        None
    }
}

/// Implements the boilerplate of [`Object`] for a type.
#[macro_export]
macro_rules! object_type {
    ($t:ty, $name:literal) => {
        impl $crate::ob::Object for $t {
            fn type_name(&self) -> &'static str {
                $name
            }
            fn as_any(&self) -> &dyn ::std::any::Any {
                self
            }
            fn into_any(
                self: ::std::sync::Arc<Self>,
            ) -> ::std::sync::Arc<dyn ::std::any::Any + Send + Sync> {
                self
            }
        }
    };
    ($t:ty, $name:literal, waitable) => {
        impl $crate::ob::Object for $t {
            fn type_name(&self) -> &'static str {
                $name
            }
            fn as_any(&self) -> &dyn ::std::any::Any {
                self
            }
            fn into_any(
                self: ::std::sync::Arc<Self>,
            ) -> ::std::sync::Arc<dyn ::std::any::Any + Send + Sync> {
                self
            }
            fn waitable(&self) -> Option<&dyn $crate::ke::Waitable> {
                Some(self)
            }
        }
    };
}

pub use handle::{close_handle, insert_object, reference_object_by_handle, reference_typed};
