"""A block out and back in: canonical and compact JSON, the text view, the built-in exporters and the exporter
registry, the clearance request, and reading a written block back."""
