"""The estate: model, file format, references and redaction."""
