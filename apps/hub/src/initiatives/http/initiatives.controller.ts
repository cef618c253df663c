import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InitiativeSnapshot } from '@ctp/contracts';
import { CtpLogger, LOGGER, RequestProblem } from '@ctp/observability';
import { ReportInitiative } from '../application/report-initiative';
import { InitiativeAlreadyExists } from '../domain/initiative-errors';
import { InitiativeRepository } from '../persistence/initiative.repository';
import { ReportInitiativeRequest } from './report-initiative.request';

@ApiTags('initiatives')
@Controller('initiatives')
export class InitiativesController {
  constructor(
    private readonly reportInitiative: ReportInitiative,
    private readonly initiatives: InitiativeRepository,
    @Inject(LOGGER) private readonly log: CtpLogger,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Report a new initiative; it is stored and published as ctp.initiative.reported.v1' })
  @ApiCreatedResponse({ description: 'The stored snapshot (version 1)' })
  async report(@Body() body: ReportInitiativeRequest): Promise<InitiativeSnapshot> {
    try {
      const snapshot = await this.reportInitiative.execute(body);
      this.log.info({ msg: 'initiative reported', initiativeId: snapshot.initiativeId, version: snapshot.version });
      return snapshot;
    } catch (err) {
      if (err instanceof InitiativeAlreadyExists) {
        throw new RequestProblem(409, err.message, [
          { field: 'localId', rule: 'unique', message: `${err.initiativeId} is already reported; update it with PUT` },
        ]);
      }
      throw err;
    }
  }

  @Get(':initiativeId')
  @ApiOkResponse({ description: 'The current snapshot' })
  async get(@Param('initiativeId') initiativeId: string): Promise<InitiativeSnapshot> {
    const snapshot = await this.initiatives.findById(initiativeId);
    if (!snapshot) throw new RequestProblem(404, `initiative ${initiativeId} not found`);
    return snapshot;
  }
}
