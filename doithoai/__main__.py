from doithoai.cli import app

app(prog_name="doithoai")
