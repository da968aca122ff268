"""moto's server, with what a Terraform apply of infra/ needs from it and moto 5.2.6 lacks.

Run in moto's own environment (docker/emulator/moto-requirements.txt), never the services':
    python docker/emulator/moto_server.py -H 127.0.0.1 -p 5000

Each change below makes moto answer as AWS does, where the AWS provider reads something back
after writing it; none of them accepts anything AWS would refuse. They are what the offline apply
(tests/infra/test_apply.py, infra/README.md) found missing or different:

- Application Auto Scaling keeps a scalable target's tags (RegisterScalableTarget `Tags`,
  TagResource, UntagResource, ListTagsForResource). Without them every read of a target fails.
- Application Auto Scaling answers a delete of something it does not hold with
  ObjectNotFoundException, as AWS does (moto says ValidationException, which the provider
  does not read as "already gone").
- ECS keeps what CreateService was given and moto drops: the capacity provider strategy (with no
  launch type beside it), the health check grace period and availability zone rebalancing.
- RDS describes a cluster's ScalingConfigurationInfo only when it has one (Serverless v1); moto
  describes an empty one for every cluster.
- EC2 describes the description of a security group rule that references another group; moto
  keeps it only for CIDR rules.
- Step Functions answers ValidateStateMachineDefinition with no diagnostics (as ministack does;
  neither emulator validates definitions: tests/infra/test_state_machine.py runs statelint and
  asl-validator), and ListStateMachineVersions with none (moto publishes no versions).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from moto.applicationautoscaling import models as autoscaling_models
from moto.applicationautoscaling import responses as autoscaling_responses
from moto.core.exceptions import JsonRESTError
from moto.ec2.models import security_groups
from moto.ecs import responses as ecs_responses
from moto.rds import models as rds_models
from moto.server import main
from moto.stepfunctions import responses as sfn_responses
from moto.utilities.tagging_service import TaggingService

# --- Application Auto Scaling: tags --------------------------------------------------------------

AutoScaling = autoscaling_responses.ApplicationAutoScalingResponse
_TAGS: dict[str, TaggingService] = {}


def _tags(response: Any) -> TaggingService:
    backend = response.applicationautoscaling_backend
    return _TAGS.setdefault(f"{backend.account_id}/{backend.region_name}", TaggingService())


def _tag(response: Any, arn: str, tags: dict[str, str] | None) -> None:
    if tags:
        _tags(response).tag_resource(arn, TaggingService.convert_dict_to_tags_input(tags))


_register_scalable_target = AutoScaling.register_scalable_target


def register_scalable_target(self: Any) -> str:
    body: str = _register_scalable_target(self)
    _tag(self, json.loads(body)["ScalableTargetARN"], self._get_param("Tags"))
    return body


def tag_resource(self: Any) -> str:
    _tag(self, self._get_param("ResourceARN"), self._get_param("Tags"))
    return "{}"


def untag_resource(self: Any) -> str:
    arn = self._get_param("ResourceARN")
    _tags(self).untag_resource_using_names(arn, self._get_param("TagKeys") or [])
    return "{}"


def list_tags_for_resource(self: Any) -> str:
    arn = self._get_param("ResourceARN")
    return json.dumps({"Tags": _tags(self).get_tag_dict_for_resource(arn)})


AutoScaling.register_scalable_target = register_scalable_target
AutoScaling.tag_resource = tag_resource
AutoScaling.untag_resource = untag_resource
AutoScaling.list_tags_for_resource = list_tags_for_resource

# --- Application Auto Scaling: deleting what is not there ----------------------------------------


class ObjectNotFoundError(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("ObjectNotFoundException", message)


def _not_found_when_missing(method_name: str) -> None:
    original = getattr(autoscaling_models.ApplicationAutoscalingBackend, method_name)

    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, *args, **kwargs)
        except autoscaling_models.AWSValidationException as error:
            # "No scaling policy found for ...", "No scalable target found for ..."
            if error.message.startswith("No "):
                raise ObjectNotFoundError(error.message) from error
            raise

    setattr(autoscaling_models.ApplicationAutoscalingBackend, method_name, method)


_not_found_when_missing("delete_scaling_policy")
_not_found_when_missing("deregister_scalable_target")

# --- ECS: what CreateService was given -----------------------------------------------------------

Ecs = ecs_responses.EC2ContainerServiceResponse
_create_service = Ecs.create_service


def create_service(self: Any) -> Any:
    result = _create_service(self)
    service = result.result["service"]
    strategy = self._get_param("capacityProviderStrategy")
    if strategy:
        service.capacity_provider_strategy = strategy
        if self._get_param("launchType") is None:
            service.launch_type = None
            for deployment in service.deployments:
                deployment.pop("launchType", None)
                deployment["capacityProviderStrategy"] = strategy
    service.health_check_grace_period_seconds = self._get_param("healthCheckGracePeriodSeconds")
    service.availability_zone_rebalancing = self._get_param("availabilityZoneRebalancing")
    return result


Ecs.create_service = create_service

# --- RDS: no Serverless v1 scaling configuration on a cluster without one ------------------------

_scaling_configuration_info = rds_models.DBCluster.scaling_configuration_info


def scaling_configuration_info(self: Any) -> dict[str, Any] | None:
    if not self.scaling_configuration:
        return None
    info: dict[str, Any] = _scaling_configuration_info.fget(self)
    return info


rds_models.DBCluster.scaling_configuration_info = property(scaling_configuration_info)

# --- EC2: the description of a rule that references a security group -----------------------------


def rule_description(self: Any) -> str | None:
    description: str | None = self.ip_range.get("Description") or self.source_group.get(
        "Description"
    )
    return description


security_groups.SecurityGroupRule.description = property(rule_description)

# --- Step Functions ------------------------------------------------------------------------------

StepFunctions = sfn_responses.StepFunctionResponse


def validate_state_machine_definition(self: Any) -> str:
    return json.dumps({"result": "OK", "diagnostics": []})


def list_state_machine_versions(self: Any) -> str:
    return json.dumps({"stateMachineVersions": []})


StepFunctions.validate_state_machine_definition = validate_state_machine_definition
StepFunctions.list_state_machine_versions = list_state_machine_versions

if __name__ == "__main__":
    main(sys.argv[1:])
