"""The ND30 registers (Sổ văn bản đến, Sổ văn bản đi) and their starting numbers."""
