from flowdrill.cli import main

main()
