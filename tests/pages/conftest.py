"""Users for the page tests: a coordinator, two readers and an outsider."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

PASSWORD = "a-long-test-passphrase-42"


@pytest.fixture
def coordinator(db):
    return get_user_model().objects.create_user("coord", "coord@example.org", PASSWORD, is_staff=True)


@pytest.fixture
def reader(db):
    return get_user_model().objects.create_user("reader1", "reader1@example.org", PASSWORD)


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def reader_client(client, reader):
    client.force_login(reader)
    return client
