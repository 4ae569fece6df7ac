# Requires: Terraform 1.7+ or OpenTofu 1.7+ (for_each in import blocks).
#
# Adopt every task flow of the account at once: the otp_task_flows data
# source lists them (one API call), one import block per flow adopts each,
# and one resource block describes them all from the same list. After the
# first apply, edit the resource as usual; to stop managing a flow, see the
# removed block.
data "otp_task_flows" "all" {}

locals {
  flows = { for f in data.otp_task_flows.all.flows : f.name => f }
}

import {
  for_each = local.flows
  to       = otp_task_flow.adopted[each.key]
  id       = each.value.id
}

resource "otp_task_flow" "adopted" {
  for_each = local.flows
  name     = each.value.name

  dynamic "flow" {
    for_each = each.value.flow
    content {
      waiting_time = flow.value.waiting_time
      status       = flow.value.status
      channel      = flow.value.channel
      channel_cut  = flow.value.channel_cut
    }
  }
}
