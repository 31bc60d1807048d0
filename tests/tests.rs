mod cli_smoke;
