# The course's Jupyter server settings, for Binder (binder/postBuild copies this file into the
# environment's etc/jupyter) and for scripts/lesson.sh (into .venv/etc/jupyter): never a user's
# ~/.jupyter.
# - JupyterLab asks for no news and checks for no updates (its toast covered the lesson's panel;
#   binder/overrides.json turns the same off in Lab's own settings).
# - Voila, standalone or as the server's /voila/render/ extension, leaves out the cells tagged
#   lab-only (JupyterLab instructions, the "procedure in code" sections), as voila.json does.
# - A lesson under notebooks/ is saved without the outputs of a run (hacourse.panel.saving), so
#   using the lessons never dirties what the tests read; the student's code is kept.
from hacourse.panel.saving import strip_outputs

c = get_config()  # noqa: F821 (Jupyter's config loader defines it)
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
c.TagRemovePreprocessor.remove_cell_tags = ["lab-only"]
c.ContentsManager.pre_save_hook = strip_outputs
