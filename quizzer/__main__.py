from quizzer.cli.app import main

main()
