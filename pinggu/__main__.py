from pinggu.cli import main

main()
