//! Array conversions shared by the bindings.

use numpy::ndarray::Dimension;
use numpy::{PyReadonlyArray, PyReadonlyArray1, PyUntypedArrayMethods};

/// An owned copy of a 1-D NumPy array (contiguous or not).
pub fn vec1<T: numpy::Element + Copy>(a: &PyReadonlyArray1<'_, T>) -> Vec<T> {
    owned(a)
}

/// An owned copy of a NumPy array of any dimension, in row-major (C) order: one memcpy for a
/// C-contiguous array, an element-wise walk otherwise (`as_slice` also accepts Fortran order,
/// whose memory is column-major, so the flag is checked here).
///
/// Work that runs with the GIL released must read such a copy, never the borrowed buffer:
/// the read-only borrow only stops Rust from writing, and any Python thread can write to the
/// array while the GIL is released.
pub fn owned<T: numpy::Element + Copy, D: Dimension>(a: &PyReadonlyArray<'_, T, D>) -> Vec<T> {
    if a.is_c_contiguous() {
        if let Ok(s) = a.as_slice() {
            return s.to_vec();
        }
    }
    a.as_array().iter().copied().collect()
}

/// Indices as the int64 values NumPy users expect.
pub fn as_i64(v: &[usize]) -> Vec<i64> {
    v.iter().map(|&x| x as i64).collect()
}
