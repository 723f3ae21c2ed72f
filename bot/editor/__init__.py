"""The editors' FAQ tools (`bot faq ...`): read, change and check the FAQ data files.

An FAQ lives in three hand-written files: its example questions in data/nlu.yml, its answer
in data/responses/faq.yml and its conversation test in tests/test_stories.yml. Changes are made
as careful text edits (comments and layout survive), re-read with a YAML 1.2 parser to prove
they say what was meant, checked, and only then written.
"""
