"""AWS desktops against moto: launch, tags, the caller-only security group, reset (a fresh
instance), terminate, and cleanup of what a dead run left behind."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from envs.providers import Provider, ProviderError
from envs.providers.aws import AMIS, AwsProvider, cleanup_aws


@pytest.fixture
def aws(monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        session = boto3.session.Session(region_name="us-east-1")
        ec2 = session.client("ec2", region_name="us-east-1")
        ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]  # one moto knows
        yield session, ec2, ami


def live(ec2, **tags: str) -> list[dict]:
    filters = [{"Name": "instance-state-name", "Values": ["pending", "running"]}]
    filters += [{"Name": f"tag:{k}", "Values": [v]} for k, v in tags.items()]
    return [i for r in ec2.describe_instances(Filters=filters)["Reservations"] for i in r["Instances"]]


def test_launch_tag_security_group_reset_and_close(aws):
    session, ec2, ami = aws
    provider = AwsProvider(count=2, ami=ami, session=session, allow_cidr="203.0.113.7/32", probe="")
    assert isinstance(provider, Provider)
    first, second = provider.acquire(), provider.acquire()
    with pytest.raises(ProviderError, match="all 2 AWS desktops are in use"):
        provider.acquire()
    running = live(ec2, **{"deskpilot:run": provider.run_id})
    assert {i["InstanceId"] for i in running} == {first.handle, second.handle}
    instance = running[0]
    assert instance["ImageId"] == ami and instance["InstanceType"] == "t3.xlarge"
    tags = {t["Key"]: t["Value"] for t in instance["Tags"]}
    assert tags["deskpilot:managed"] == "1" and tags["deskpilot:run"] == provider.run_id
    assert (
        first.url
        == f"http://{next(i for i in running if i['InstanceId'] == first.handle)['PublicIpAddress']}:5000"
    )
    assert first.can_reset and set(first.extra) == {"chrome", "vlc", "vnc"}

    group = ec2.describe_security_groups(GroupIds=[provider.group_id])["SecurityGroups"][0]
    rules = {(p["FromPort"], r["CidrIp"]) for p in group["IpPermissions"] for r in p["IpRanges"]}
    assert rules == {(port, "203.0.113.7/32") for port in (5000, 9222, 8080, 8006)}  # the caller only
    assert {t["Key"]: t["Value"] for t in group["Tags"]}["deskpilot:run"] == provider.run_id
    assert [g["GroupId"] for g in instance["SecurityGroups"]] == [provider.group_id]

    fresh = provider.reset(first)  # upstream's reset: a new instance
    assert fresh.handle not in (first.handle, second.handle)
    ids = {i["InstanceId"] for i in live(ec2, **{"deskpilot:run": provider.run_id})}
    assert ids == {fresh.handle, second.handle}
    provider.close()
    assert live(ec2, **{"deskpilot:run": provider.run_id}) == []
    assert (
        ec2.describe_security_groups(
            Filters=[{"Name": "group-name", "Values": [f"deskpilot-{provider.run_id}"]}]
        )["SecurityGroups"]
        == []
    )


def test_cleanup_removes_what_a_dead_run_left(aws):
    session, ec2, ami = aws
    dead = AwsProvider(count=2, ami=ami, session=session, allow_cidr="198.51.100.1/32", probe="")
    dead.acquire(), dead.acquire()
    dead.instances = {}  # the process died: it forgot them
    dead.group_id = None
    other = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    removed = cleanup_aws("us-east-1", session=session)
    assert len(removed["instances"]) == 2 and len(removed["security_groups"]) == 1
    assert live(ec2, **{"deskpilot:managed": "1"}) == []
    assert [i["InstanceId"] for i in live(ec2)] == [other]  # not ours: untouched
    assert cleanup_aws("us-east-1", session=session) == {"instances": [], "security_groups": []}


def test_the_public_ami_per_region_and_unknown_regions(aws):
    session, _, _ = aws
    assert AwsProvider(session=session).ami == AMIS["us-east-1"] == "ami-0d23263edb96951d8"
    assert AwsProvider("ap-east-1", session=session).ami == "ami-06850864d18fad836"
    with pytest.raises(ProviderError, match="no OSWorld AMI known for eu-west-3"):
        AwsProvider("eu-west-3", session=session)
