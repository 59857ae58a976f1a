from django.core.management.base import BaseCommand

from ops.services import seed_run


class Command(BaseCommand):
    help = "Create the operator account, the demo user and the demo data. Idempotent."

    def handle(self, *args: object, **options: object) -> None:
        report = seed_run()
        if not report.created:
            self.stdout.write("Seed: nothing to do, everything exists.")
        for line in report.created:
            self.stdout.write(self.style.SUCCESS(f"Seed: created {line}"))
        for username, password in report.passwords.items():
            # Printed once, at creation; set OPERATOR_PASSWORD / DEMO_PASSWORD to choose them.
            self.stdout.write(self.style.WARNING(f"Seed: password of {username}: {password}"))
