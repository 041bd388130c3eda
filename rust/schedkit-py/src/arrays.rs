//! Array conversions shared by the bindings.

use numpy::PyReadonlyArray1;

/// An owned copy of a 1-D NumPy array (contiguous or not).
pub fn vec1<T: numpy::Element + Copy>(a: &PyReadonlyArray1<'_, T>) -> Vec<T> {
    match a.as_slice() {
        Ok(s) => s.to_vec(),
        Err(_) => a.as_array().iter().copied().collect(),
    }
}

/// Indices as the int64 values NumPy users expect.
pub fn as_i64(v: &[usize]) -> Vec<i64> {
    v.iter().map(|&x| x as i64).collect()
}
