//! The crash matrix's Web Worker (see the library's documentation): it says it is ready,
//! then answers each request with the search's cells, batch by batch. Started by a small
//! module that scripts/build-lazy-modules writes next to it.

#[cfg(target_arch = "wasm32")]
mod worker {
    use mqlab_matrix_worker::{serve, Reply, BATCH_MS};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    fn post(scope: &DedicatedWorkerGlobalScope, reply: &Reply) {
        // The page may have ended the worker already; nothing to do then.
        let _ = scope.post_message(&JsValue::from_str(&reply.to_json()));
    }

    pub fn start() {
        let Ok(scope) = js_sys::global().dyn_into::<DedicatedWorkerGlobalScope>() else {
            return;
        };
        let replies = scope.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let request = event.data().as_string().unwrap_or_default();
            serve(
                &request,
                js_sys::Date::now,
                |reply| post(&replies, reply),
                BATCH_MS,
            );
        });
        scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // The handler lives as long as the worker.
        on_message.forget();
        post(&scope, &Reply::Ready);
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    worker::start();
}
