import { useState } from 'react';
import type { ProvisioningInfo } from '../api';
import { Notice, PageHeader } from '../components';
import { useLive } from '../live';
import { copyText } from '../clipboard';

function CopyValue(props: { label: string; value: string; help: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="fact-row">
      <dt>{props.label}</dt>
      <dd>
        <code className="copy-value" data-testid={`dhcp-${props.label.replace(/\W+/g, '-').toLowerCase()}`}>
          {props.value}
        </code>{' '}
        <button
          type="button"
          className="secondary small"
          onClick={() => void copyText(props.value).then(setCopied)}
          aria-label={`Copy ${props.label}`}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <p className="help">{props.help}</p>
      </dd>
    </div>
  );
}

/** How phones find OfficePBX: DHCP options for the office router, and plug-and-play status. */
export function Provisioning() {
  const info = useLive<ProvisioningInfo>('/api/provisioning', ['status']);
  const i = info.data;
  return (
    <>
      <PageHeader
        title="Network setup for phones"
        intro="Most phones find OfficePBX by themselves (plug-and-play). For the others, enter one value in the office router's DHCP settings, once."
      />
      {info.error ? <Notice kind="error">{info.error}</Notice> : null}
      {i ? (
        <>
          <section className="panel" aria-labelledby="dhcp-heading">
            <h2 id="dhcp-heading">DHCP options for the office router</h2>
            <p className="help">
              In the router's web page, look for DHCP server settings, then "custom options" or "option 66
              (TFTP server name)". Phones read it when they start.
            </p>
            <dl className="facts">
              <CopyValue
                label="Option 66"
                value={i.dhcp.option66}
                help="Yealink, Snom, Grandstream, Fanvil, Cisco and most others: the provisioning address."
              />
              <CopyValue
                label="Option 66 (TFTP only)"
                value={i.dhcp.option66Tftp}
                help="For routers or older phones that accept only a server name or address here."
              />
              <CopyValue
                label="Option 160"
                value={i.dhcp.option160}
                help="Polycom VVX phones look here first."
              />
              <CopyValue
                label="Option 150"
                value={i.dhcp.option150}
                help="Cisco phones: the TFTP server's address."
              />
            </dl>
          </section>
          <section className="panel" aria-labelledby="pnp-heading">
            <h2 id="pnp-heading">Plug-and-play and servers</h2>
            <dl className="facts">
              <dt>Plug-and-play</dt>
              <dd>
                {i.pnp.enabled ? (
                  <>
                    on, listening on {i.pnp.listener}
                    {i.pnp.interface ? ` (network adapter ${i.pnp.interface})` : ''}
                  </>
                ) : (
                  'off'
                )}
              </dd>
              {i.pnp.enabled && i.pnp.otherServers.length > 0 ? (
                <div className="fact-row">
                  <dt>Warning</dt>
                  <dd>
                    <Notice kind="warning">
                      Another phone system also answers plug-and-play on this network (
                      {i.pnp.otherServers.join(', ')}
                      ). Phones take the first answer: switch the other one off.
                    </Notice>
                  </dd>
                </div>
              ) : null}
              <dt>Provisioning address</dt>
              <dd className="mono">{i.provisioningUrl}</dd>
              <dt>TFTP server</dt>
              <dd className="mono">{i.tftp}</dd>
              <dt>HTTP server</dt>
              <dd className="mono">{i.http}</dd>
              <dt>Passwords sent for</dt>
              <dd>
                {i.windowMinutes} minutes after a phone is set up (then only with its own HTTP password)
              </dd>
              <dt>Time zone for phones</dt>
              <dd>{i.timeZone}</dd>
            </dl>
          </section>
        </>
      ) : null}
    </>
  );
}
