"""Schedules edited inline on a simulation's admin page, saved through the schedule services
(so each one keeps its django-celery-beat periodic task in step)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from simulations.admin_forms import ScheduleForm
from simulations.models import Schedule
from simulations.schedules import schedule_delete, schedule_save


class ScheduleInline(admin.TabularInline):
    model = Schedule
    form = ScheduleForm
    extra = 0
    fields = ("kind", "time_utc", "every_minutes", "ticks", "enabled")

    def get_formset(self, request: HttpRequest, obj: object = None, **kwargs: object):
        formset = super().get_formset(request, obj, **kwargs)

        class ServiceFormSet(formset):  # type: ignore[misc, valid-type]
            def save(self, commit: bool = True) -> list[Schedule]:
                # The admin's change message reads these three lists.
                self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
                for form in self.deleted_forms:
                    if form.instance.pk:
                        schedule_delete(schedule_id=form.instance.pk)
                        self.deleted_objects.append(form.instance)
                for form in self.forms:
                    if form in self.deleted_forms or not form.has_changed():
                        continue
                    data = form.cleaned_data
                    new = form.instance.pk is None
                    schedule = schedule_save(
                        simulation_id=self.instance.pk, schedule_id=form.instance.pk,
                        kind=data["kind"], time_utc=data.get("time_utc"),
                        every_minutes=data.get("every_minutes"), ticks=data.get("ticks"),
                        enabled=data.get("enabled", True))
                    if new:
                        self.new_objects.append(schedule)
                    else:
                        self.changed_objects.append((schedule, form.changed_data))
                return [*self.new_objects, *(obj for obj, _ in self.changed_objects)]

        return ServiceFormSet

