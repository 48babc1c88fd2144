"""The switches of "How many nines does HA buy?": HA, power management, a spare host, the engine
era and the hosts' failure rates, a Run button, and the run's sentences, table and figure.

Controls built explicitly and wired to pure functions (`hacourse.study.nines_lab`); the callback
runs inside its `Output`, so an error shows in the lesson. The figure is a PNG image (a
file-like figure, drawn by `views.availability`). Tests set `.value` and call `run()`.
"""

from __future__ import annotations

import io

import ipywidgets as w

from hacourse.study.nines_lab import nines_cluster, rows, run, say
from hacourse.views.availability import draw_availability
from hacourse.views.tables import table_html


class NinesPanel(w.VBox):
    def __init__(self) -> None:
        self.ha = w.Checkbox(value=True, description="HA for db1, mail1, app1, dns1")
        self.pm = w.Checkbox(value=True, description="power management")
        self.spare = w.Checkbox(value=False, description="a spare host (Indian)")
        self.profile = w.Dropdown(options=["ovirt-4.5", "rhev-3.3"], value="ovirt-4.5", description="engine")
        self.mtbf = w.Dropdown(options=[("a host fails every 2 years", 17520), ("every year", 8760),
                                        ("every 3 months", 2190)], value=8760, description="hosts")
        self.mttr = w.Dropdown(options=[("repaired in 1 h", 1), ("in 4 h", 4), ("in 24 h", 24)], value=4,
                               description="repair")
        self.button = w.Button(description="Run 10 years x 5 seeds", button_style="primary", icon="play")
        self.said, self.table, self.figure = w.HTML(), w.HTML(), w.Image(format="png")
        self.errors = w.Output()
        self.report: dict | None = None
        self.button.on_click(self.run)
        super().__init__([w.HBox([self.ha, self.pm, self.spare]), w.HBox([self.profile, self.mtbf, self.mttr]),
                          self.button, self.errors, self.said, self.table, self.figure])

    def scenario(self):
        return nines_cluster(ha=self.ha.value, power_management=self.pm.value, spare_host=self.spare.value,
                             profile=self.profile.value, host_mtbf_h=self.mtbf.value, host_mttr_h=self.mttr.value)

    def run(self, _button: object = None) -> None:
        self.errors.clear_output()
        with self.errors:
            self.button.disabled = True
            try:
                self.report = run(self.scenario())
                self.said.value = f"<p>{say(self.report)}</p>"
                self.table.value = table_html(rows({"this run": self.report}))
                fig = draw_availability(self.report)
                if fig is not None:  # None: no matplotlib here (the static site), the table says it all
                    import matplotlib.pyplot as plt

                    png = io.BytesIO()
                    fig.savefig(png, format="png", dpi=90)
                    plt.close(fig)
                    self.figure.value = png.getvalue()
            finally:
                self.button.disabled = False
