from django.urls import path

from scripts_lib import api

api_urlpatterns = [
    path("scripts/", api.ScriptListCreateApi.as_view(), name="api-scripts"),
    path("scripts/schema/", api.ScriptSchemaApi.as_view(), name="api-scripts-schema"),
    path("scripts/<int:script_id>/", api.ScriptDetailApi.as_view(), name="api-script"),
    path("scripts/<int:script_id>/dry_run/", api.ScriptSourceDryRunApi.as_view(),
         name="api-script-dry-run"),
    path("scripts/<int:script_id>/versions/", api.ScriptVersionListCreateApi.as_view(),
         name="api-script-versions"),
    path("scripts/<int:script_id>/versions/<int:number>/", api.ScriptVersionDetailApi.as_view(),
         name="api-script-version"),
    path("scripts/<int:script_id>/versions/<int:number>/dry_run/",
         api.ScriptVersionDryRunApi.as_view(), name="api-script-version-dry-run"),
    path("simulations/<int:simulation_id>/mounts/", api.MountListCreateApi.as_view(),
         name="api-mounts"),
    path("simulations/<int:simulation_id>/mounts/<int:mount_id>/", api.MountDeleteApi.as_view(),
         name="api-mount"),
    path("simulations/<int:simulation_id>/rotations/", api.RotationListCreateApi.as_view(),
         name="api-rotations"),
    path("me/failures/", api.MyFailuresApi.as_view(), name="api-my-failures"),
]
