from flashcall import create_app

app = create_app()
