//! The top-level component: header and the simulator view.

use mqlab_sim::Scenario;
use yew::prelude::*;

use crate::components::stage::Stage;

#[component]
pub fn App() -> Html {
    let scenario = use_memo((), |_| Scenario::default());
    html! {
        <>
            <header class="app-header">
                <div class="brand">
                    <h1>{ "MQ Lab" }</h1>
                    <p>{ "Crash a producer, a queue or a consumer and see which messages get lost or duplicated — and how acks, retries, idempotence and two-phase commit prevent it." }</p>
                </div>
            </header>
            <main id="main" data-ready="true">
                <section class="panel stage" aria-label="Stage">
                    <Stage scenario={(*scenario).clone()} />
                </section>
            </main>
        </>
    }
}
