from diagterr.cli import main

main()
