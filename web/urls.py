from django.urls import path

from web.views import (
    agent,
    dashboard,
    docs,
    get_started,
    home,
    leaderboard,
    notifications,
    operator,
    scripts,
)

urlpatterns = [
    path("", home.home, name="home"),
    path("start/", home.start, name="start"),
    path("docs/", docs.docs_index, name="docs"),
    path("docs/agents/<slug:agent_type>/", docs.docs_agent, name="docs-agent"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/<int:notification_id>/read/", notifications.notification_read,
         name="notification-read"),
    path("notifications/read_all/", notifications.notification_read_all,
         name="notifications-read-all"),
]

# The product pages (issue 7): dashboards, the operator's page and the script editor.
urlpatterns += [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/tab/<slug:tab>/", dashboard.dashboard_tab, name="dashboard-tab"),
    path("dashboard/live/", dashboard.dashboard_live, name="dashboard-live"),
    path("dashboard/claim/", dashboard.agent_claim_view, name="dashboard-claim"),
    path("dashboard/simulations/<int:simulation_id>/release/", dashboard.agent_release_view,
         name="dashboard-release"),
    path("dashboard/economy/<int:simulation_id>/series/", dashboard.economy_series,
         name="economy-series"),
    path("dashboard/economy/<int:simulation_id>/series/<slug:chart>.csv", dashboard.economy_csv,
         name="economy-csv"),
    path("simulations/<int:simulation_id>/leaderboard/", leaderboard.leaderboard,
         name="leaderboard"),

    path("agents/<int:agent_id>/", agent.agent_detail, name="agent-page"),
    path("operator/", operator.operator_dashboard, name="operator"),
    path("operator/live/", operator.operator_live, name="operator-live"),
    path("operator/simulations/<int:simulation_id>/run/", operator.operator_run,
         name="operator-run"),
    path("operator/simulations/<int:simulation_id>/pause/", operator.operator_pause,
         name="operator-pause"),
    path("operator/simulations/<int:simulation_id>/resume/", operator.operator_resume,
         name="operator-resume"),
    path("operator/tasks/<str:task_id>/", operator.operator_task, name="operator-task"),
    path("scripts/", scripts.script_list, name="scripts"),
    path("scripts/<int:script_id>/", scripts.script_editor, name="script-editor"),
    path("scripts/<int:script_id>/rename/", scripts.script_rename, name="script-rename"),
    path("scripts/<int:script_id>/hide-name/", scripts.script_hide_name,
         name="script-hide-name"),
    path("scripts/<int:script_id>/delete/", scripts.script_delete, name="script-delete"),
    path("scripts/<int:script_id>/versions/", scripts.version_create, name="script-save"),
    path("scripts/<int:script_id>/dry-run/", scripts.text_dry_run, name="script-text-dry-run"),
    path("scripts/<int:script_id>/diff/", scripts.version_diff, name="script-diff"),
    path("scripts/<int:script_id>/v/<int:number>/dry-run/", scripts.version_dry_run,
         name="script-dry-run"),
    path("scripts/<int:script_id>/v/<int:number>/mount/", scripts.version_mount,
         name="script-mount"),
    path("scripts/<int:script_id>/v/<int:number>/rotate/", scripts.version_rotate,
         name="script-rotate"),
    path("scripts/<int:script_id>/mounts/<int:mount_id>/unmount/", scripts.mount_unmount,
         name="script-unmount"),
]

# The first-run path (issue 14): sign-up to the first tick of one's own script on one page.
urlpatterns += [
    path("get-started/", get_started.get_started, name="get-started"),
    path("get-started/first-tick/", get_started.get_started_first_tick,
         name="get-started-first-tick"),
    path("get-started/claim/", get_started.get_started_claim, name="get-started-claim"),
    path("get-started/script/", get_started.get_started_script, name="get-started-script"),
    path("get-started/dry-run/", get_started.get_started_dry_run, name="get-started-dry-run"),
    path("get-started/mount/", get_started.get_started_mount, name="get-started-mount"),
]
