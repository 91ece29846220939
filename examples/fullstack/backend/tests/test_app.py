import pytest
from app import app, validate_name


@pytest.fixture
def client():
    return app.test_client()


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_items_round_trip(client):
    created = client.post("/api/items", json={"name": "  second  "})
    assert created.status_code == 201
    item = created.get_json()
    assert item["name"] == "second"
    assert client.get(f"/api/items/{item['id']}").get_json() == item


def test_bad_names_are_refused(client):
    assert client.post("/api/items", json={"name": ""}).status_code == 400
    with pytest.raises(ValueError):
        validate_name(42)
