//! DAG scheduling on heterogeneous processors (being written: see the dag issue).
