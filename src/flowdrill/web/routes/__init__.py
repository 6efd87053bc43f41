"""Routes, one module per area: auth, pages, commands, stream, api."""
