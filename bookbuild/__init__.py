"""The build machinery: the build command, chapter pre-execution, the Sphinx extension, inline page
styles, the print edition, measurements and reproducibility checks. Nothing of the evidence is
decided here; the whole package could be replaced without changing a number in the book."""
