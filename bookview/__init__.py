"""How the evidence is shown: charts, tables, glued values, key messages and the plain-language
layer. Chapters import from here; it reads the data only through ``evidence``."""
