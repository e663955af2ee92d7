"""Course examples."""
