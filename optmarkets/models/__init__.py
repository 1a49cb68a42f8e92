"""One module per paper, each assembled from the builders."""
