"""Reading and writing files people wrote: problem reports placed at line and column, source locations, JSON
reading, value checkers, did-you-mean, atomic writes. Imports nothing from the layers above."""
