"""OSWorld's public AMI on AWS EC2 (boto3): N instances, reachable only from this machine.

    provider = AwsProvider(region="us-east-1", count=4)
    lease = provider.acquire()          # an instance from the AMI; its server answers
    lease = provider.reset(lease)       # upstream's way: terminate it, launch a fresh one
    provider.close()                    # every instance and the security group, gone

Unlike upstream (private IPs, a security group open to the whole VPC), the security group
this run creates admits only the caller's address (`allow_cidr`, by default this machine's
public IP as https://checkip.amazonaws.com sees it) on 5000, 9222, 8080 and 8006, so the
run can be driven from outside AWS. Everything is tagged `deskpilot:managed` and
`deskpilot:run=<id>`; instances shut themselves down (and, being set to terminate on
shutdown, go away) after `ttl_minutes` even if this process is killed; `cleanup_aws()`
(`agent bench cleanup --aws`) finds and removes whatever a dead run left behind.
boto3 is optional: pip install 'deskpilot[aws]'.
"""

from __future__ import annotations

import atexit
import logging
import secrets
import threading
import weakref
from typing import Any

import httpx

from envs.providers.base import DesktopLease, ProviderError, wait_healthy

log = logging.getLogger(__name__)
# OSWorld's public images (the AMIs its AWS provider names; docs/vms.md); pass `ami=` for other regions.
AMIS = {"us-east-1": "ami-0d23263edb96951d8", "ap-east-1": "ami-06850864d18fad836"}
PORTS = (5000, 9222, 8080, 8006)
MANAGED, RUN = "deskpilot:managed", "deskpilot:run"
LIVE_STATES = ["pending", "running", "stopping", "stopped", "shutting-down"]

_open: weakref.WeakSet[AwsProvider] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for provider in list(_open):
        provider.close()


def ec2_client(region: str, session: Any = None) -> Any:
    if session is None:
        try:
            import boto3
        except ImportError:
            raise ProviderError("AWS desktops need boto3: pip install 'deskpilot[aws]'") from None
        session = boto3.session.Session()
    return session.client("ec2", region_name=region)


def caller_cidr() -> str:
    try:
        ip = httpx.get("https://checkip.amazonaws.com", timeout=10).text.strip()
    except httpx.HTTPError as exc:
        raise ProviderError(f"cannot tell this machine's public IP ({exc}); pass allow_cidr") from exc
    return f"{ip}/32"


class AwsProvider:
    def __init__(
        self,
        region: str = "us-east-1",
        count: int = 1,
        *,
        ami: str | None = None,
        instance_type: str = "t3.xlarge",
        subnet_id: str | None = None,
        allow_cidr: str | None = None,
        session: Any = None,
        use_private_ip: bool = False,
        ttl_minutes: int = 180,
        volume_gb: int = 30,
        probe: str = "/screenshot",
        boot_timeout: float = 900.0,
    ) -> None:
        if ami is None and region not in AMIS:
            raise ProviderError(f"no OSWorld AMI known for {region} (known: {', '.join(AMIS)}); pass ami=")
        self.region, self.count = region, count
        self.ami = ami or AMIS[region]
        self.instance_type, self.subnet_id = instance_type, subnet_id
        self.allow_cidr = allow_cidr
        self.ec2 = ec2_client(region, session)
        self.use_private_ip, self.ttl_minutes, self.volume_gb = use_private_ip, ttl_minutes, volume_gb
        self.probe, self.boot_timeout = probe, boot_timeout
        self.run_id = f"dp-{secrets.token_hex(4)}"
        self.group_id: str | None = None
        self.instances: dict[str, DesktopLease] = {}
        self._lock = threading.Lock()
        _open.add(self)

    def _tags(self, kind: str) -> list[dict[str, Any]]:
        return [
            {
                "ResourceType": kind,
                "Tags": [
                    {"Key": MANAGED, "Value": "1"},
                    {"Key": RUN, "Value": self.run_id},
                    {"Key": "Name", "Value": f"deskpilot-{self.run_id}"},
                ],
            }
        ]

    def security_group(self) -> str:
        """This run's group: the server's, Chrome's, VLC's and noVNC's ports, caller only."""
        with self._lock:
            if self.group_id is not None:
                return self.group_id
            if self.subnet_id:
                vpc = self.ec2.describe_subnets(SubnetIds=[self.subnet_id])["Subnets"][0]["VpcId"]
            else:
                vpcs = self.ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
                if not vpcs:
                    raise ProviderError(f"{self.region} has no default VPC: pass subnet_id")
                vpc = vpcs[0]["VpcId"]
            cidr = self.allow_cidr or caller_cidr()
            group = self.ec2.create_security_group(
                GroupName=f"deskpilot-{self.run_id}",
                VpcId=vpc,
                Description="deskpilot desktops: server, DevTools, VLC, noVNC from one address",
                TagSpecifications=self._tags("security-group"),
            )["GroupId"]
            self.ec2.authorize_security_group_ingress(
                GroupId=group,
                IpPermissions=[
                    {
                        "IpProtocol": "tcp",
                        "FromPort": port,
                        "ToPort": port,
                        "IpRanges": [{"CidrIp": cidr, "Description": "deskpilot caller"}],
                    }
                    for port in PORTS
                ],
            )
            self.group_id = group
            return group

    def acquire(self) -> DesktopLease:
        with self._lock:
            if len(self.instances) >= self.count:
                raise ProviderError(f"all {self.count} AWS desktops are in use")
        options: dict[str, Any] = {
            "ImageId": self.ami,
            "InstanceType": self.instance_type,
            "MinCount": 1,
            "MaxCount": 1,
            "SecurityGroupIds": [self.security_group()],
            "BlockDeviceMappings": [
                {
                    "DeviceName": "/dev/sda1",
                    "Ebs": {"VolumeSize": self.volume_gb, "VolumeType": "gp3", "DeleteOnTermination": True},
                }
            ],
            # A safety net if this process is killed: the guest powers off after the TTL and
            # the instance then terminates itself.
            "InstanceInitiatedShutdownBehavior": "terminate",
            "UserData": f"#!/bin/sh\nshutdown -h +{self.ttl_minutes}\n",
            "TagSpecifications": self._tags("instance") + self._tags("volume"),
        }
        if self.subnet_id:
            options["SubnetId"] = self.subnet_id
        instance_id = self.ec2.run_instances(**options)["Instances"][0]["InstanceId"]
        lease = DesktopLease("", None, name=instance_id, provider="aws", handle=instance_id, can_reset=True)
        with self._lock:
            self.instances[instance_id] = lease
        try:
            self.ec2.get_waiter("instance_running").wait(InstanceIds=[instance_id])
            found = self.ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
            ip = found.get("PrivateIpAddress") if self.use_private_ip else found.get("PublicIpAddress")
            if not ip:
                raise ProviderError(
                    f"{instance_id} has no {'private' if self.use_private_ip else 'public'} IP"
                )
            url = f"http://{ip}:5000"
            if self.probe:
                wait_healthy(url, None, timeout=self.boot_timeout, interval=2.0, path=self.probe)
        except BaseException:
            self.release(lease)
            raise
        lease = DesktopLease(
            url,
            None,
            name=instance_id,
            provider="aws",
            handle=instance_id,
            can_reset=True,
            extra={k: f"http://{ip}:{p}" for k, p in (("chrome", 9222), ("vlc", 8080), ("vnc", 8006))},
        )
        with self._lock:
            self.instances[instance_id] = lease
        return lease

    def reset(self, lease: DesktopLease) -> DesktopLease:
        """As upstream: the used instance goes, a fresh one from the AMI comes."""
        self.release(lease)
        return self.acquire()

    def release(self, lease: DesktopLease) -> None:
        with self._lock:
            known = self.instances.pop(lease.handle, None)
        if known is not None:
            self.ec2.terminate_instances(InstanceIds=[lease.handle])

    def close(self) -> None:
        with self._lock:
            ids, self.instances = list(self.instances), {}
        if ids:
            self.ec2.terminate_instances(InstanceIds=ids)
        if self.group_id is not None:  # a group can go only once its instances are gone
            if ids:
                self.ec2.get_waiter("instance_terminated").wait(InstanceIds=ids)
            self.ec2.delete_security_group(GroupId=self.group_id)
            self.group_id = None
        _open.discard(self)


def cleanup_aws(
    region: str = "us-east-1", run_id: str | None = None, session: Any = None, wait: bool = True
) -> dict[str, list[str]]:
    """Terminate every deskpilot instance (of one run, or all) and delete their security
    groups: what an interrupted run left behind. Returns what it removed."""
    ec2 = ec2_client(region, session)
    filters = [{"Name": f"tag:{MANAGED}", "Values": ["1"]}]
    if run_id:
        filters.append({"Name": f"tag:{RUN}", "Values": [run_id]})
    found = ec2.describe_instances(Filters=filters + [{"Name": "instance-state-name", "Values": LIVE_STATES}])
    ids = [i["InstanceId"] for r in found["Reservations"] for i in r["Instances"]]
    if ids:
        ec2.terminate_instances(InstanceIds=ids)
        if wait:
            ec2.get_waiter("instance_terminated").wait(InstanceIds=ids)
    groups = [g["GroupId"] for g in ec2.describe_security_groups(Filters=filters)["SecurityGroups"]]
    removed = []
    for group in groups:
        try:
            ec2.delete_security_group(GroupId=group)
            removed.append(group)
        except Exception as exc:  # noqa: BLE001 - still in use (wait=False): say so, go on
            log.warning("security group %s not deleted yet: %s", group, exc)
    return {"instances": ids, "security_groups": removed}
