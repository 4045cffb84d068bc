from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "reader_study.accounts"
    label = "accounts"
    verbose_name = "Accounts (login throttling, invitations)"
