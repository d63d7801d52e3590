//! Placeholder: the fuzz targets arrive with their issue.
