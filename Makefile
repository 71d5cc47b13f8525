# The README's two commands: `make run` and `make test`. `make bench` measures speed.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test test-sqlite test-postgres bench check venv clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# `migrate` also creates the cache table that the sign-in and sign-up limits count in (doubtfire/apps.py), and
# the first start keeps a development SECRET_KEY in .secret_key (outside git) so restarts sign nobody out.
run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py demo_data
	@echo "Serving on http://127.0.0.1:$(PORT)/  (admin: /admin/, API docs: /api/docs/), with one background job worker.  Ctrl-C stops both."
	PORT=$(PORT) $(VENV)/bin/gunicorn --config gunicorn.conf.py doubtfire.wsgi

# The whole suite on SQLite, then on a throwaway PostgreSQL cluster that .ci/postgres.sh starts and stops.
test: venv
	$(PY) manage.py makemigrations --check --dry-run >/dev/null || (echo "Model changes without migrations." && false)
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: venv
	@echo "=== pytest on SQLite ==="
	$(PY) -m pytest $(PYTEST_ARGS)

test-postgres: venv
	@echo "=== pytest on PostgreSQL ==="
	bash .ci/postgres.sh $(PY) -m pytest $(PYTEST_ARGS)

bench: venv
	$(PY) bench/run.py $(BENCH_ARGS)

check: venv
	DEBUG=0 SECRET_KEY=check-only-$$(date +%s)-not-a-real-key-0123456789abcdefghijklmnop ALLOWED_HOSTS=example.edu \
		$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles
