"""`python -m crawler` runs the nianbao command line."""
from crawler.cli import main

main()
