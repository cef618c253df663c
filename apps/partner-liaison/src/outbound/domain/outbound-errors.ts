import { FieldProblem } from '@ctp/contracts';

/** Errors of the outbound side. Only the HTTP edge turns them into statuses. */
export abstract class OutboundError extends Error {
  readonly details: FieldProblem[] = [];
}

export class PartnerNotFound extends OutboundError {
  constructor(readonly partnerRef: string) {
    super(`no partner ${partnerRef}`);
  }
}

export class DeliveryNotFound extends OutboundError {
  constructor(
    readonly partnerRef: string,
    readonly deliveryId: string,
  ) {
    super(`no delivery ${deliveryId} for partner ${partnerRef}`);
  }
}

/** Only a DELIVERED or DEAD delivery can be sent again; a PENDING one is already on its way. */
export class DeliveryNotResendable extends OutboundError {
  constructor(
    readonly deliveryId: string,
    readonly status: string,
  ) {
    super(`delivery ${deliveryId} is ${status}: only a DELIVERED or DEAD delivery can be re-sent`);
  }
}

/** A delivery whose record is not shareable now (made restricted after it was queued): never sent again. */
export class DeliveryWithheld extends OutboundError {
  override readonly details = [
    {
      field: 'id',
      rule: 'shareable',
      message: 'the record this delivery is about is no longer shareable with partners: it is not sent again',
    },
  ];
  constructor(readonly deliveryId: string) {
    super(`delivery ${deliveryId} is about a record that is no longer shareable: it is not sent again`);
  }
}
