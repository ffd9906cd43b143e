"""One package per database engine behind one seam; what is engine-neutral about reading a driver's
error.
"""
